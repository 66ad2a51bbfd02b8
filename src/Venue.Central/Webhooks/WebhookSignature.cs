using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Venue.Central.Webhooks;

/// <summary>
/// The <c>Venue-Signature</c> header of a webhook delivery: <c>t={unix seconds},v1={hex}</c>, where
/// hex is the lowercase HMAC-SHA256, keyed with the webhook's secret (its UTF-8 bytes, exactly as
/// shown at creation, <c>whsec_</c> included), of the bytes of <c>"{t}."</c> followed by the raw
/// request body. A recipient recomputes it over the body as received, compares in constant time,
/// and refuses a <c>t</c> too far from its own clock (replays). See docs/integrator-api.md.
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Venue-Signature";
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    public static string Create(string secret, long unixSeconds, ReadOnlySpan<byte> body) =>
        string.Create(CultureInfo.InvariantCulture, $"t={unixSeconds},v1={Convert.ToHexStringLower(Mac(secret, unixSeconds, body))}");

    /// <summary>What a recipient does: true when the header is well formed, fresh, and signs this body with this secret.</summary>
    public static bool Verify(string? header, string secret, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan tolerance)
    {
        if (header is null)
        {
            return false;
        }

        long? t = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                return false;
            }

            var (name, value) = (part[..eq], part[(eq + 1)..]);
            if (name == "t" && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                t = parsed;
            }
            else if (name == "v1" && value.Length == 64)
            {
                try
                {
                    signatures.Add(Convert.FromHexString(value));
                }
                catch (FormatException)
                {
                    return false;
                }
            }
        }

        // A forged t outside what a DateTimeOffset holds is refused like any other stale one, not thrown on.
        if (t is not { } at || signatures.Count == 0 || at > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || (now - DateTimeOffset.FromUnixTimeSeconds(at)).Duration() > tolerance)
        {
            return false;
        }

        var expected = Mac(secret, at, body);
        return signatures.Any(s => CryptographicOperations.FixedTimeEquals(s, expected));
    }

    private static byte[] Mac(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{unixSeconds}.")));
        hmac.AppendData(body);
        return hmac.GetHashAndReset();
    }
}
