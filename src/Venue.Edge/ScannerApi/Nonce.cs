namespace Venue.Edge.ScannerApi;

/// <summary>
/// The rule for a device's retry nonce, shared by scans, lead captures and challenges. Control
/// characters are refused because the nonce travels in the journal to central, and PostgreSQL text
/// cannot hold a NUL.
/// </summary>
internal static class Nonce
{
    public const int MaxLength = 128;

    public static bool IsValid(string? nonce) =>
        !string.IsNullOrEmpty(nonce) && nonce.Length <= MaxLength && !nonce.Any(char.IsControl);

    public static string Problem(string retrying) =>
        $"A nonce of 1 to {MaxLength} characters, none of them control characters, is required; repeat it when retrying{retrying}.";
}
