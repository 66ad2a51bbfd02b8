using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Venue.Domain.Tickets;

namespace Venue.Domain.Ledger;

/// <summary>
/// Reads a snapshot's attendee lines in parallel: the file is cut into blocks at line boundaries,
/// and each core parses whole blocks straight from UTF-8 bytes with <see cref="Utf8JsonReader"/>,
/// with no string per line and no intermediate record. A million attendees load in about a second
/// on two cores, where a line-by-line deserializer took several.
/// </summary>
internal static class LedgerBlockReader
{
    private const int BlockSize = 1 << 20;

    /// <summary>About 2.6 million revoked tokens: past this, the first line is not a header.</summary>
    private const int MaxHeaderBytes = 64 << 20;

    /// <summary>
    /// An attendee line's limit. The largest legitimate one is a few KB (a 200-character name,
    /// 64 gate ids of up to 32 characters, as central's registration allows); a longer line is a
    /// broken or foreign file, and the limit keeps such a file from growing the reader's buffers.
    /// </summary>
    internal const int MaxAttendeeLineBytes = 64 << 10;

    /// <summary>The start of a line carried into the next block: a line at the limit and the <c>\r</c> of its CRLF.</summary>
    private const int MaxCarriedBytes = MaxAttendeeLineBytes + 1;

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private sealed record Block(byte[] Buffer, int Length, long FirstLine);

    public static async Task<AttendeeLedger> ReadAsync(Stream input, string sourceName,
        Func<byte[], AttendeeLedger> createLedger, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(BlockSize);
        var (length, eof) = await FillAsync(input, buffer, 0, cancellationToken);

        // Windows PowerShell (Out-File, Set-Content -Encoding UTF8) starts a UTF-8 file with a byte order mark.
        if (buffer.AsSpan(0, length).StartsWith(Utf8Bom))
        {
            buffer.AsSpan(Utf8Bom.Length, length - Utf8Bom.Length).CopyTo(buffer);
            length -= Utf8Bom.Length;
        }

        if (length == 0 && eof)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new LedgerFormatException(sourceName, 1, "the file is empty; the first line must be the header");
        }

        // The header is the first line. It holds the revocation list too (25 bytes a token), so it may
        // outgrow a block: the buffer grows until the line ends, up to MaxHeaderBytes.
        var headerEnd = buffer.AsSpan(0, length).IndexOf((byte)'\n');
        AttendeeLedger ledger;
        try
        {
            while (headerEnd < 0 && !eof)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= MaxHeaderBytes)
                    {
                        throw new LedgerFormatException(sourceName, 1, $"the header line is longer than {MaxHeaderBytes >> 20} MiB; is this a venue-ledger/1 file?");
                    }

                    var bigger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(bigger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = bigger;
                }

                var before = length;
                (length, eof) = await FillAsync(input, buffer, length, cancellationToken);
                var found = buffer.AsSpan(before, length - before).IndexOf((byte)'\n');
                headerEnd = found < 0 ? -1 : before + found;
            }

            var headerLength = headerEnd < 0 ? length : headerEnd;
            ledger = createLedger(buffer.AsSpan(0, headerLength).TrimEnd((byte)'\r').ToArray());
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        var consumed = headerEnd < 0 ? length : headerEnd + 1;
        buffer.AsSpan(consumed, length - consumed).CopyTo(buffer);
        length -= consumed;

        var duplicates = new Duplicates();
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var blocks = Channel.CreateBounded<Block>(new BoundedChannelOptions(Environment.ProcessorCount * 2) { SingleWriter = true });
        var workers = Enumerable.Range(0, Math.Max(1, Environment.ProcessorCount)).Select(_ => Task.Run(async () =>
        {
            try
            {
                await foreach (var block in blocks.Reader.ReadAllAsync(failed.Token))
                {
                    try
                    {
                        ParseBlock(block, ledger, sourceName, duplicates);
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(block.Buffer);
                    }
                }
            }
            catch (LedgerFormatException)
            {
                await failed.CancelAsync();
                throw;
            }
        }, CancellationToken.None)).ToArray();

        // Blocks go to the workers in file order, and a worker parses a block it took to the end, so
        // every line before a bad one is parsed: the earliest problem is found whatever the timing.
        var nextLine = 2L;
        LedgerFormatException? readError = null;
        try
        {
            while (!eof || length > 0)
            {
                if (!eof)
                {
                    (length, eof) = await FillAsync(input, buffer, length, failed.Token);
                    if (length == 0)
                    {
                        break;
                    }
                }

                var lastNewline = buffer.AsSpan(0, length).LastIndexOf((byte)'\n');
                if (lastNewline < 0 && !eof)
                {
                    // A full buffer (at least a block) without a line end: one line far past the limit.
                    throw LineTooLong(sourceName, nextLine);
                }

                var blockLength = eof ? length : lastNewline + 1;
                var carried = length - blockLength;
                var lines = buffer.AsSpan(0, blockLength).Count((byte)'\n');
                var next = ArrayPool<byte>.Shared.Rent(BlockSize);
                if (carried <= MaxCarriedBytes)
                {
                    buffer.AsSpan(blockLength, carried).CopyTo(next);
                }

                await blocks.Writer.WriteAsync(new Block(buffer, blockLength, nextLine), failed.Token);
                buffer = next;
                nextLine += lines;
                if (carried > MaxCarriedBytes)
                {
                    throw LineTooLong(sourceName, nextLine);
                }

                length = carried;
            }
        }
        catch (LedgerFormatException e)
        {
            // Reported with the workers' findings: a block before this line may hold an earlier problem.
            readError = e;
        }
        catch (OperationCanceledException) when (failed.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // A worker found a bad line; its exception is the one to report.
        }
        finally
        {
            blocks.Writer.TryComplete();
            ArrayPool<byte>.Shared.Return(buffer);
        }

        try
        {
            await Task.WhenAll(workers);
        }
        catch (Exception) when (workers.Any(w => w.Exception?.InnerException is LedgerFormatException))
        {
            // Handled below with the other problems.
        }

        // Several problems may be found; report the earliest line, so the message does not depend on timing.
        var earliest = workers.Select(w => w.Exception?.InnerException).OfType<LedgerFormatException>()
            .Append(readError).Append(duplicates.Earliest(sourceName)).OfType<LedgerFormatException>()
            .MinBy(e => e.Line);
        if (earliest is not null)
        {
            throw earliest;
        }

        return ledger;
    }

    private static LedgerFormatException LineTooLong(string sourceName, long line) =>
        new(sourceName, (int)line, $"an attendee line is longer than {MaxAttendeeLineBytes >> 10} KiB; is this a venue-ledger/1 file?");

    /// <summary>Fills the buffer from the stream; <c>Ended</c> says the stream has no more bytes (a full buffer alone does not).</summary>
    private static async Task<(int Length, bool Ended)> FillAsync(Stream input, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        while (length < buffer.Length)
        {
            var read = await input.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                return (length, true);
            }

            length += read;
        }

        return (length, false);
    }

    private static void ParseBlock(Block block, AttendeeLedger ledger, string sourceName, Duplicates duplicates)
    {
        var rest = block.Buffer.AsSpan(0, block.Length);
        var line = block.FirstLine;
        while (!rest.IsEmpty)
        {
            var end = rest.IndexOf((byte)'\n');
            var text = (end < 0 ? rest : rest[..end]).TrimEnd((byte)'\r');
            rest = end < 0 ? [] : rest[(end + 1)..];
            if (text.Length > MaxAttendeeLineBytes)
            {
                throw LineTooLong(sourceName, line);
            }

            if (!text.IsEmpty)
            {
                var record = ParseAttendee(text, ledger, sourceName, (int)line);
                if (ledger.TryAddFromSnapshot(record, out var existing) is false)
                {
                    duplicates.Add(record.Id, record.SourceLine, existing.SourceLine);
                }
            }

            line++;
        }
    }

    /// <summary>
    /// Attendee ids found on more than one line. Which of two lines reaches the ledger first depends
    /// on timing, so nothing is decided as they are found: every line involved is noted, and the
    /// report names the first repeat in the file and the line it repeats, whatever the order of work.
    /// </summary>
    private sealed class Duplicates
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<string, SortedSet<int>> _lines = new(StringComparer.Ordinal);

        public void Add(string id, int line, int otherLine)
        {
            lock (_lock)
            {
                if (!_lines.TryGetValue(id, out var lines))
                {
                    _lines[id] = lines = [];
                }

                lines.Add(line);
                lines.Add(otherLine);
            }
        }

        public LedgerFormatException? Earliest(string sourceName)
        {
            lock (_lock)
            {
                var first = _lines.Select(d => (Id: d.Key, First: d.Value.Min, Repeat: d.Value.ElementAt(1))).OrderBy(d => d.Repeat).FirstOrDefault();
                return first.Id is null ? null : new LedgerFormatException(sourceName, first.Repeat, $"attendee '{first.Id}' is also on line {first.First}");
            }
        }
    }

    internal static AttendeeRecord ParseAttendee(ReadOnlySpan<byte> json, AttendeeLedger ledger, string source, int line)
    {
        string? id = null, name = null, status = null;
        TicketType? ticketType = null;
        string? unknownTicketType = null;
        long validFrom = 0, validUntil = 0;
        UInt128 hash = default;
        var hashSeen = false;
        string[]? gates = null;
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw new LedgerFormatException(source, line, "an attendee line must be a JSON object");
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var property = reader;
                reader.Read();
                if (property.ValueTextEquals("id"u8))
                {
                    id = reader.GetString();
                }
                else if (property.ValueTextEquals("name"u8))
                {
                    name = reader.GetString();
                }
                else if (property.ValueTextEquals("ticketType"u8))
                {
                    ticketType = FindTicketType(ref reader, ledger, out unknownTicketType);
                }
                else if (property.ValueTextEquals("validFrom"u8))
                {
                    validFrom = ReadTime(ref reader, "validFrom", source, line);
                }
                else if (property.ValueTextEquals("validUntil"u8))
                {
                    validUntil = ReadTime(ref reader, "validUntil", source, line);
                }
                else if (property.ValueTextEquals("status"u8))
                {
                    status = reader.ValueTextEquals("active"u8) ? "active" : reader.ValueTextEquals("revoked"u8) ? "revoked" : reader.GetString();
                }
                else if (property.ValueTextEquals("tokenHash"u8))
                {
                    hashSeen = reader.TokenType == JsonTokenType.String && TokenHash.TryParse(reader.GetString(), out hash);
                }
                else if (property.ValueTextEquals("gates"u8) && reader.TokenType == JsonTokenType.StartArray)
                {
                    var list = new List<string>();
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        list.Add(reader.GetString() ?? throw new LedgerFormatException(source, line, "gates holds a null"));
                    }

                    gates = [.. list];
                }
                else
                {
                    reader.Skip(); // unknown fields are ignored, as the JSON contract says
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new LedgerFormatException(source, line, "an attendee line must hold exactly one JSON object");
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new LedgerFormatException(source, line, e.Message);
        }

        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(name) || (ticketType is null && unknownTicketType is null))
        {
            throw new LedgerFormatException(source, line, "id, name and ticketType are required");
        }

        if (ticketType is null)
        {
            throw new LedgerFormatException(source, line, $"unknown ticket type '{unknownTicketType}'");
        }

        var attendeeStatus = status switch
        {
            "active" => AttendeeStatus.Active,
            "revoked" => AttendeeStatus.Revoked,
            _ => throw new LedgerFormatException(source, line, $"status '{status}' is neither 'active' nor 'revoked'"),
        };
        if (!hashSeen)
        {
            throw new LedgerFormatException(source, line, "tokenHash must be 22 base64url characters");
        }

        return new AttendeeRecord(id, name, ticketType, validFrom, validUntil, attendeeStatus, hash, gates) { SourceLine = line };
    }

    /// <summary>
    /// A validity bound in unix seconds (0 for null). The UTC offset is required, as for the scanner
    /// API's <c>scannedAt</c>: a time without one would be read in the edge's own time zone, and two
    /// edges in different zones would admit the same badge at different hours. The value is parsed
    /// from its UTF-8 bytes (no string per line, unlike <see cref="Readers.ReaderTimestamp"/>); the
    /// offset is checked on the same bytes.
    /// </summary>
    private static long ReadTime(ref Utf8JsonReader reader, string field, string source, int line)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return 0;
        }

        var value = reader.GetDateTimeOffset();
        var text = reader.ValueIsEscaped ? Encoding.UTF8.GetBytes(reader.GetString()!) : reader.ValueSpan;
        var time = text.IndexOf((byte)'T');
        if (time < 0 || !(text[^1] is (byte)'Z' or (byte)'z' || text[(time + 1)..].IndexOfAny((byte)'+', (byte)'-') >= 0))
        {
            throw new LedgerFormatException(source, line,
                $"{field} must be a date and time with its UTC offset, such as 2026-11-22T09:00:00Z or 2026-11-22T10:00:00+01:00");
        }

        return value.ToUnixTimeSeconds();
    }

    /// <summary>Matches the ticket type by its UTF-8 bytes against the header's few types: no string per line.</summary>
    private static TicketType? FindTicketType(ref Utf8JsonReader reader, AttendeeLedger ledger, out string? unknown)
    {
        unknown = null;
        if (reader.TokenType != JsonTokenType.String)
        {
            return null;
        }

        foreach (var type in ledger.TicketTypes)
        {
            if (reader.ValueTextEquals(type.Name))
            {
                return type;
            }
        }

        var name = reader.GetString();
        unknown = string.IsNullOrEmpty(name) ? null : name;
        return null;
    }
}
