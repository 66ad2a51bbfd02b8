using System.Buffers.Binary;
using System.Buffers.Text;
using System.Text;

namespace Venue.Domain.Tickets;

/// <summary>
/// The badge token wire format, version 1 (printed as a QR code or written to NFC):
/// <code>VN1.</code> followed by base64url (no padding) of
/// <code>[0x01][len][key id][len][event id][len][attendee id][len][ticket type][valid-from u32 BE][valid-until u32 BE][signature 64 B]</code>.
/// Strings are UTF-8, each at most 255 bytes; times are unix seconds (0: unbounded). The signature is
/// ECDSA P-256 over SHA-256 of every byte before it, in IEEE P1363 form (r || s).
/// A typical badge is about 150 characters: a version 10 or 11 QR code at error correction Q.
/// </summary>
public static class BadgeToken
{
    public const string Prefix = "VN1.";

    private static readonly System.Buffers.SearchValues<char> Base64UrlAlphabet =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");

    /// <summary>UTF-8 that throws on invalid bytes; one for every decode (it holds no state), not four per scan.</summary>
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    public const int SignatureLength = 64;
    private const byte Version = 1;

    /// <summary>The bytes that are signed.</summary>
    public static byte[] EncodePayload(BadgeClaims claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var parts = new[] { claims.KeyId, claims.EventId, claims.AttendeeId, claims.TicketType }
            .Select(Encoding.UTF8.GetBytes).ToArray();
        foreach (var (part, name) in parts.Zip(new[] { "key id", "event id", "attendee id", "ticket type" }))
        {
            if (part.Length is 0 or > 255)
            {
                throw new ArgumentException($"The {name} must be 1 to 255 bytes of UTF-8.", nameof(claims));
            }
        }

        var buffer = new byte[1 + parts.Sum(p => 1 + p.Length) + 8];
        var at = 0;
        buffer[at++] = Version;
        foreach (var part in parts)
        {
            buffer[at++] = (byte)part.Length;
            part.CopyTo(buffer, at);
            at += part.Length;
        }

        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(at), checked((uint)claims.ValidFromUnix));
        BinaryPrimitives.WriteUInt32BigEndian(buffer.AsSpan(at + 4), checked((uint)claims.ValidUntilUnix));
        return buffer;
    }

    public static string Encode(ReadOnlySpan<byte> payload, ReadOnlySpan<byte> signature)
    {
        var all = new byte[payload.Length + signature.Length];
        payload.CopyTo(all);
        signature.CopyTo(all.AsSpan(payload.Length));
        return Prefix + Base64Url.EncodeToString(all);
    }

    /// <summary>Splits a token into claims, the signed payload and the signature, or says why it cannot.</summary>
    public static bool TryDecode(string token, out DecodedBadge badge, out string error)
    {
        badge = default;
        if (string.IsNullOrEmpty(token) || !token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = $"a badge token starts with '{Prefix}'";
            return false;
        }

        // The decoder also takes padding and skips whitespace anywhere: one badge would then have many
        // strings. Only the canonical one is a badge, so nothing keyed on the string can be sidestepped.
        if (token.AsSpan(Prefix.Length).ContainsAnyExcept(Base64UrlAlphabet))
        {
            error = "the token is not valid base64url (letters, digits, '-' and '_' only, no padding or spaces)";
            return false;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token.AsSpan(Prefix.Length));
        }
        catch (FormatException)
        {
            error = "the token is not valid base64url";
            return false;
        }

        if (bytes.Length < 1 + 4 + 8 + SignatureLength || bytes[0] != Version)
        {
            error = "the token is too short or of an unknown version";
            return false;
        }

        var payloadLength = bytes.Length - SignatureLength;
        var at = 1;
        var strings = new string[4];
        for (var i = 0; i < strings.Length; i++)
        {
            if (at >= payloadLength)
            {
                error = "the token is truncated";
                return false;
            }

            int length = bytes[at++];
            if (length == 0 || at + length > payloadLength)
            {
                error = "the token is truncated";
                return false;
            }

            try
            {
                strings[i] = StrictUtf8.GetString(bytes, at, length);
            }
            catch (ArgumentException)
            {
                error = "the token holds invalid UTF-8";
                return false;
            }

            at += length;
        }

        if (at + 8 != payloadLength)
        {
            error = "the token's length does not match its contents";
            return false;
        }

        var claims = new BadgeClaims(strings[0], strings[1], strings[2], strings[3],
            BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at)),
            BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at + 4)));
        badge = new DecodedBadge(claims, bytes, payloadLength);
        error = "";
        return true;
    }
}

/// <summary>A decoded token: its claims and the raw bytes (payload then signature).</summary>
public readonly record struct DecodedBadge(BadgeClaims Claims, byte[] Bytes, int PayloadLength)
{
    public ReadOnlySpan<byte> Payload => Bytes.AsSpan(0, PayloadLength);

    public ReadOnlySpan<byte> Signature => Bytes.AsSpan(PayloadLength);
}
