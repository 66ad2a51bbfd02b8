using System.Security.Cryptography;
using System.Text;

namespace Venue.Domain.Devices;

/// <summary>
/// Bearer tokens for scanners, readers and ops users: <c>vdt_{id}_{secret}</c>, where the id finds
/// the record and the 256-bit secret is checked against its stored SHA-256 in constant time.
/// </summary>
public static class DeviceToken
{
    public const string Prefix = "vdt_";

    public static (string Id, string Token) Create() => Create(Prefix);

    public static bool TryParse(string? token, out string id, out string secret) => TryParse(Prefix, token, out id, out secret);

    /// <summary>A new <c>{prefix}{id}_{secret}</c> token: 48-bit hex id, 256-bit base64url secret.</summary>
    internal static (string Id, string Token) Create(string prefix)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (id, $"{prefix}{id}_{secret}");
    }

    internal static bool TryParse(string prefix, string? token, out string id, out string secret)
    {
        id = secret = "";
        if (token is null || !token.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        // The id is hex, so the first '_' after the prefix ends it; the secret (base64url) may hold more.
        var rest = token.AsSpan(prefix.Length);
        var split = rest.IndexOf('_');
        if (split <= 0 || split == rest.Length - 1)
        {
            return false;
        }

        id = rest[..split].ToString();
        secret = rest[(split + 1)..].ToString();
        return true;
    }

    public static byte[] HashSecret(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    public static bool SecretMatches(string secret, byte[] storedHash) =>
        CryptographicOperations.FixedTimeEquals(HashSecret(secret), storedHash);
}
