namespace Venue.Domain.Readers;

/// <summary>
/// Badge EPC ↔ attendee id, rule <c>venue-epc/1</c> (docs/venue-layout.md): the EPC is 96 bits,
/// 24 hex digits, holding the attendee id's ASCII bytes right-aligned behind leading zero bytes.
/// Ids are 1 to 12 visible ASCII characters (0x21 to 0x7E), so a zero byte can only be padding.
/// </summary>
public static class EpcCodec
{
    public const string Rule = "venue-epc/1";

    public const int EpcBytes = 12;

    public const int EpcHexDigits = EpcBytes * 2;

    public const int MaxIdLength = EpcBytes;

    /// <summary>The EPC to write to an attendee's badge, in upper-case hex.</summary>
    public static string Encode(string attendeeId)
    {
        ArgumentNullException.ThrowIfNull(attendeeId);
        if (!IsEncodable(attendeeId))
        {
            throw new ArgumentException(
                $"Attendee id '{attendeeId}' cannot be written to a badge EPC ({Rule}): it must be 1 to {MaxIdLength} visible ASCII characters.",
                nameof(attendeeId));
        }

        return string.Create(EpcHexDigits, attendeeId, static (digits, id) =>
        {
            var padding = EpcBytes - id.Length;
            digits[..(padding * 2)].Fill('0');
            for (var i = 0; i < id.Length; i++)
            {
                var b = (byte)id[i];
                digits[(padding + i) * 2] = "0123456789ABCDEF"[b >> 4];
                digits[((padding + i) * 2) + 1] = "0123456789ABCDEF"[b & 0xF];
            }
        });
    }

    /// <summary>Whether <paramref name="attendeeId"/> fits an EPC under <see cref="Rule"/>.</summary>
    public static bool IsEncodable(string attendeeId)
    {
        if (attendeeId.Length is < 1 or > MaxIdLength)
        {
            return false;
        }

        foreach (var c in attendeeId)
        {
            if (!IsVisible(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The attendee an EPC names. False for anything that is not a <see cref="Rule"/> badge: wrong
    /// length, a non-hex digit, an all-zero EPC, or a byte that is neither leading padding nor a
    /// visible ASCII character. Hex case does not matter. Allocates only the id it returns.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> epcHex, out string attendeeId)
    {
        attendeeId = "";
        if (epcHex.Length != EpcHexDigits)
        {
            return false;
        }

        Span<char> id = stackalloc char[MaxIdLength];
        var length = 0;
        for (var i = 0; i < EpcBytes; i++)
        {
            var high = HexValue(epcHex[i * 2]);
            var low = HexValue(epcHex[(i * 2) + 1]);
            if ((high | low) < 0)
            {
                return false;
            }

            var b = (char)((high << 4) | low);
            if (b == 0 && length == 0)
            {
                continue; // leading padding
            }

            if (!IsVisible(b))
            {
                return false;
            }

            id[length++] = b;
        }

        if (length == 0)
        {
            return false;
        }

        attendeeId = new string(id[..length]);
        return true;
    }

    public static bool TryDecode(string epcHex, out string attendeeId)
    {
        ArgumentNullException.ThrowIfNull(epcHex);
        return TryDecode(epcHex.AsSpan(), out attendeeId);
    }

    private static bool IsVisible(char c) => c is >= '!' and <= '~';

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'A' and <= 'F' => c - 'A' + 10,
        >= 'a' and <= 'f' => c - 'a' + 10,
        _ => -1,
    };
}
