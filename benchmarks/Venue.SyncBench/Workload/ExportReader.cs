using System.Text;

namespace Venue.SyncBench.Workload;

/// <summary>
/// Reads an export response to its end as it streams in, counting rows and bytes without keeping or
/// parsing them: the bench shares its cores with central, and a real integrator parses on its own machine.
/// </summary>
internal static class ExportReader
{
    private const int BufferSize = 1 << 16;

    private static readonly byte[] JsonStart = "{\"checkins\":["u8.ToArray();
    private static readonly byte[] JsonRow = "{\"feedId\":"u8.ToArray();
    private static readonly byte[] JsonEnd = "\"more\":false}"u8.ToArray();
    private static readonly byte[] JsonEndMore = "\"more\":true}"u8.ToArray();

    /// <summary>CSV: rows are the lines after the header.</summary>
    public static async Task<(long Rows, long Bytes)> CountCsvAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[BufferSize];
        long lines = 0, bytes = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            bytes += read;
            lines += buffer.AsSpan(0, read).Count((byte)'\n');
        }

        return (Math.Max(0, lines - 1), bytes);
    }

    /// <summary>
    /// JSON (<c>{"checkins":[{"feedId":...},...],"nextCursor":N,"more":false}</c>): rows are the
    /// occurrences of each row's first key; the document must open and close as an export does.
    /// </summary>
    public static async Task<(long Rows, long Bytes)> CountJsonAsync(Stream body, CancellationToken cancellationToken)
    {
        // The last bytes of each read go in front of the next, so a key split between two reads is found once.
        var keep = JsonRow.Length - 1;
        var buffer = new byte[BufferSize + keep];
        var head = new byte[JsonStart.Length];
        var last = new byte[JsonEnd.Length];
        int carried = 0, lastLength = 0;
        long rows = 0, bytes = 0;
        int read;
        while ((read = await body.ReadAsync(buffer.AsMemory(carried, BufferSize), cancellationToken)) > 0)
        {
            var fresh = buffer.AsSpan(carried, read);
            if (bytes < head.Length)
            {
                fresh[..(int)Math.Min(read, head.Length - bytes)].CopyTo(head.AsSpan((int)bytes));
            }

            var old = Math.Min(lastLength, last.Length - Math.Min(read, last.Length));
            last.AsSpan(lastLength - old, old).CopyTo(last);
            fresh[^Math.Min(read, last.Length - old)..].CopyTo(last.AsSpan(old));
            lastLength = old + Math.Min(read, last.Length - old);

            bytes += read;
            var data = buffer.AsSpan(0, carried + read);
            rows += data.Count(JsonRow);
            carried = Math.Min(keep, data.Length);
            data[^carried..].CopyTo(buffer);
        }

        if (!head.AsSpan().SequenceEqual(JsonStart) || !(last.AsSpan(0, lastLength).EndsWith(JsonEnd) || last.AsSpan(0, lastLength).EndsWith(JsonEndMore)))
        {
            throw new InvalidDataException($"The export does not read as one whole JSON export: it starts '{Encoding.UTF8.GetString(head)}' " +
                $"and ends '{Encoding.UTF8.GetString(last, 0, lastLength)}'.");
        }

        return (rows, bytes);
    }
}
