using System.Globalization;

namespace Venue.Domain.Readers;

/// <summary>
/// Reader clocks as readers write them: Zebra's <c>2026-11-22T09:14:03.120+0000</c> (offset without
/// a colon), <c>Z</c>, <c>+01:00</c>, and Impinj's nanosecond fractions. An offset is required: a
/// bare local time would depend on the reader's time zone setting, which nobody here knows. The
/// scanner API reads <c>scannedAt</c> with it too, for the same reason.
/// </summary>
public static class ReaderTimestamp
{
    private static readonly string[] Formats = ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", "yyyy-MM-dd'T'HH:mm:sszzz"];

    public static bool TryParse(string text, out DateTimeOffset value)
    {
        value = default;
        var time = text.IndexOf('T', StringComparison.Ordinal);
        if (time < 0 || text.Length > 64)
        {
            return false;
        }

        string offset;
        int offsetStart;
        if (text.EndsWith('Z') || text.EndsWith('z'))
        {
            offset = "+00:00";
            offsetStart = text.Length - 1;
        }
        else
        {
            offsetStart = text.LastIndexOfAny(['+', '-']);
            if (offsetStart <= time)
            {
                return false;
            }

            var raw = text[(offsetStart + 1)..];
            var sign = text[offsetStart];
            offset = raw.Length switch
            {
                4 when raw.All(char.IsAsciiDigit) => $"{sign}{raw[..2]}:{raw[2..]}",
                5 when raw[2] == ':' => $"{sign}{raw}",
                2 when raw.All(char.IsAsciiDigit) => $"{sign}{raw}:00",
                _ => "",
            };
            if (offset.Length == 0)
            {
                return false;
            }
        }

        var clock = text[..offsetStart];
        var dot = clock.IndexOf('.', time);
        if (dot >= 0 && clock.Length - dot - 1 > 7)
        {
            // .NET keeps 100 ns ticks: nanosecond fractions lose their last two digits.
            clock = clock[..(dot + 8)];
        }

        return DateTimeOffset.TryParseExact(clock + offset, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out value);
    }
}
