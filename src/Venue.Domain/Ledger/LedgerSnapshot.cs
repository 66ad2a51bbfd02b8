using System.Text;
using System.Text.Json;
using Venue.Domain.Tickets;

namespace Venue.Domain.Ledger;

/// <summary>Reads and writes ledger snapshots (format <c>venue-ledger/1</c>, JSON Lines).</summary>
public static class LedgerSnapshot
{
    public const string Format = "venue-ledger/1";

    /// <summary>An event id's limit in UTF-8 bytes: what a badge token holds (<see cref="BadgeToken"/>).</summary>
    public const int MaxEventIdBytes = 255;

    /// <summary>
    /// The event id rule of a snapshot's header, which <c>venue ledger generate</c> applies to
    /// <c>--event</c> too: 1 to 255 bytes of UTF-8, since every badge carries it.
    /// </summary>
    public static bool IsValidEventId(string? eventId) =>
        !string.IsNullOrEmpty(eventId) && Encoding.UTF8.GetByteCount(eventId) <= MaxEventIdBytes;

    public static async Task WriteAsync(Stream output, LedgerHeader header, IEnumerable<LedgerAttendee> attendees, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), bufferSize: 1 << 16, leaveOpen: true);
        await writer.WriteLineAsync(JsonSerializer.Serialize(header with { Format = Format }, LedgerJsonContext.Default.LedgerHeader));
        foreach (var attendee in attendees)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await writer.WriteLineAsync(JsonSerializer.Serialize(attendee, LedgerJsonContext.Default.LedgerAttendee));
        }
    }

    /// <summary>Writes a snapshot whose attendees arrive from a stream (central writes one straight from its database).</summary>
    public static async Task WriteAsync(Stream output, LedgerHeader header, IAsyncEnumerable<LedgerAttendee> attendees, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(header);
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), bufferSize: 1 << 16, leaveOpen: true);
        await writer.WriteLineAsync(JsonSerializer.Serialize(header with { Format = Format }, LedgerJsonContext.Default.LedgerHeader));
        await foreach (var attendee in attendees.WithCancellation(cancellationToken))
        {
            await writer.WriteLineAsync(JsonSerializer.Serialize(attendee, LedgerJsonContext.Default.LedgerAttendee));
        }
    }

    public static async Task<AttendeeLedger> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw new LedgerFormatException(path, 0, Directory.Exists(path) ? "it is a directory, not a ledger file" : "the file does not exist");
        }

        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        return await ReadAsync(stream, path, cancellationToken);
    }

    /// <summary>
    /// Reads a snapshot. Any bad line fails the whole read with its line number: an edge must not
    /// start on half a ledger.
    /// </summary>
    public static async Task<AttendeeLedger> ReadAsync(Stream input, string sourceName, CancellationToken cancellationToken = default)
    {
        var capacity = input.CanSeek ? (int)Math.Min(int.MaxValue / 2, input.Length / 150) : 1024;
        return await LedgerBlockReader.ReadAsync(input, sourceName, header => CreateLedger(header, sourceName, capacity), cancellationToken);
    }

    /// <summary>Validates the header line and makes the empty ledger the attendee lines go into.</summary>
    private static AttendeeLedger CreateLedger(ReadOnlySpan<byte> headerLine, string sourceName, int capacity)
    {
        LedgerHeader header;
        try
        {
            header = JsonSerializer.Deserialize(headerLine, LedgerJsonContext.Default.LedgerHeader)
                ?? throw new LedgerFormatException(sourceName, 1, "the header is null");
        }
        catch (JsonException e)
        {
            throw new LedgerFormatException(sourceName, 1, e.Message);
        }

        if (header.Format != Format)
        {
            throw new LedgerFormatException(sourceName, 1, $"format is '{header.Format}', expected '{Format}'");
        }

        if (string.IsNullOrEmpty(header.EventId))
        {
            throw new LedgerFormatException(sourceName, 1, "eventId is required");
        }

        if (!IsValidEventId(header.EventId))
        {
            throw new LedgerFormatException(sourceName, 1, $"eventId is longer than {MaxEventIdBytes} bytes of UTF-8, more than a badge holds");
        }

        if ((header.TicketTypes ?? []).Any(t => t is null) || (header.Keys ?? []).Any(k => k is null))
        {
            throw new LedgerFormatException(sourceName, 1, "ticketTypes and keys hold objects, not null");
        }

        var duplicateTicketType = (header.TicketTypes ?? []).GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if ((header.TicketTypes ?? []).Any(t => string.IsNullOrEmpty(t.Name)) || duplicateTicketType is not null)
        {
            throw new LedgerFormatException(sourceName, 1, duplicateTicketType is null
                ? "every ticket type needs a name"
                : $"ticket type '{duplicateTicketType.Key}' is listed twice");
        }

        var keys = new TicketKeyRing();
        foreach (var key in header.Keys ?? [])
        {
            try
            {
                keys.Add(key.Kid, Convert.FromBase64String(key.PublicKey));
            }
            catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException)
            {
                throw new LedgerFormatException(sourceName, 1, $"key '{key.Kid}': {e.Message}");
            }
        }

        var ticketTypes = (header.TicketTypes ?? []).Select(t => new TicketType(t.Name, t.Reentry, t.Gates)).ToList();
        var ledger = new AttendeeLedger(header.EventId, ticketTypes, keys, Math.Max(1024, capacity)) { Version = header.Version };
        foreach (var revoked in header.RevokedTokens ?? [])
        {
            if (!TokenHash.TryParse(revoked, out var hash))
            {
                throw new LedgerFormatException(sourceName, 1, $"revoked token hash '{revoked}' is not 22 base64url characters");
            }

            ledger.RevokeToken(hash);
        }

        return ledger;
    }

    /// <summary>
    /// Reads one attendee line (UTF-8 JSON, as in a snapshot) against a ledger's ticket types, with
    /// the same rules as a snapshot's lines; a bad line throws <see cref="LedgerFormatException"/>.
    /// Ledger changes from central arrive in this shape.
    /// </summary>
    public static AttendeeRecord ParseLine(ReadOnlySpan<byte> utf8Line, AttendeeLedger ledger, string sourceName, int line = 0)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        return LedgerBlockReader.ParseAttendee(utf8Line, ledger, sourceName, line);
    }

    /// <summary>The inverse of <see cref="ToLine"/>, through the snapshot reader's own parser (<see cref="ParseLine"/>).</summary>
    public static AttendeeRecord ToRecord(LedgerAttendee line, AttendeeLedger ledger, string sourceName = "ledger change") =>
        ParseLine(JsonSerializer.SerializeToUtf8Bytes(line, LedgerJsonContext.Default.LedgerAttendee), ledger, sourceName);

    public static LedgerAttendee ToLine(AttendeeRecord r) => new(
        r.Id, r.Name, r.TicketType.Name,
        r.ValidFromUnix == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(r.ValidFromUnix),
        r.ValidUntilUnix == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(r.ValidUntilUnix),
        r.Status == AttendeeStatus.Revoked ? "revoked" : "active",
        TokenHash.Format(r.TokenHash),
        r.Gates);
}
