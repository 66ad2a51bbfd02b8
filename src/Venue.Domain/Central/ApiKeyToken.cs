using System.Security.Cryptography;
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

    public static (string Id, string Token) Create()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        return (id, $"{Prefix}{id}_{secret}");
    }

    public static bool TryParse(string? token, out string id, out string secret)
    {
        id = secret = "";
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        // The id is hex, so the first '_' after the prefix ends it; the secret (base64url) may hold more.
        var rest = token.AsSpan(Prefix.Length);
        var split = rest.IndexOf('_');
        if (split <= 0 || split == rest.Length - 1)
        {
            return false;
        }

        id = rest[..split].ToString();
        secret = rest[(split + 1)..].ToString();
        return true;
    }

    public static byte[] HashSecret(string secret) => DeviceToken.HashSecret(secret);

    public static bool SecretMatches(string secret, byte[] storedHash) => DeviceToken.SecretMatches(secret, storedHash);
}
