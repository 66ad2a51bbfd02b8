using Venue.Domain.Devices;

namespace Venue.Domain.Central;

/// <summary>
/// Integrator API key tokens: <c>vak_{id}_{secret}</c>, built like <see cref="DeviceToken"/> (the id
/// finds the record; the 256-bit secret is checked against its stored SHA-256 in constant time) and
/// hashed by the same functions. Only the prefix differs, so a key is never mistaken for a device.
/// </summary>
public static class ApiKeyToken
{
    public const string Prefix = "vak_";

    public static (string Id, string Token) Create() => DeviceToken.Create(Prefix);

    public static bool TryParse(string? token, out string id, out string secret) => DeviceToken.TryParse(Prefix, token, out id, out secret);

    public static byte[] HashSecret(string secret) => DeviceToken.HashSecret(secret);

    public static bool SecretMatches(string secret, byte[] storedHash) => DeviceToken.SecretMatches(secret, storedHash);
}
