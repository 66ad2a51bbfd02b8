using System.Text;
using System.Text.Json;
using Venue.Domain.Tickets;

namespace Venue.Domain.Ledger;

/// <summary>Reads and writes ledger snapshots (format <c>venue-ledger/1</c>, JSON Lines).</summary>
public static class LedgerSnapshot
{
    public const string Format = "venue-ledger/1";

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

    public static async Task<AttendeeLedger> ReadFileAsync(string path, CancellationToken cancellationToken = default)
    {
        if (!File.Exists(path))
        {
            throw new LedgerFormatException(path, 0, "the file does not exist");
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
        using var reader = new StreamReader(input, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 1 << 16);
        var headerLine = await reader.ReadLineAsync(cancellationToken)
            ?? throw new LedgerFormatException(sourceName, 1, "the file is empty; the first line must be the header");
        var header = Parse(headerLine, LedgerJsonContext.Default.LedgerHeader, sourceName, 1);
        if (header.Format != Format)
        {
            throw new LedgerFormatException(sourceName, 1, $"format is '{header.Format}', expected '{Format}'");
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
        var ledger = new AttendeeLedger(header.EventId, ticketTypes, keys) { Version = header.Version };
        foreach (var revoked in header.RevokedTokens ?? [])
        {
            if (!TokenHash.TryParse(revoked, out var hash))
            {
                throw new LedgerFormatException(sourceName, 1, $"revoked token hash '{revoked}' is not 22 base64url characters");
            }

            ledger.RevokeToken(hash);
        }

        var lineNumber = 1;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var a = Parse(line, LedgerJsonContext.Default.LedgerAttendee, sourceName, lineNumber);
            ledger.Upsert(ToRecord(a, ledger, sourceName, lineNumber));
        }

        return ledger;
    }

    public static LedgerAttendee ToLine(AttendeeRecord r) => new(
        r.Id, r.Name, r.TicketType.Name,
        r.ValidFromUnix == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(r.ValidFromUnix),
        r.ValidUntilUnix == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(r.ValidUntilUnix),
        r.Status == AttendeeStatus.Revoked ? "revoked" : "active",
        TokenHash.Format(r.TokenHash),
        r.Gates);

    private static AttendeeRecord ToRecord(LedgerAttendee a, AttendeeLedger ledger, string source, int line)
    {
        if (string.IsNullOrEmpty(a.Id) || string.IsNullOrEmpty(a.Name) || string.IsNullOrEmpty(a.TicketType))
        {
            throw new LedgerFormatException(source, line, "id, name and ticketType are required");
        }

        if (!ledger.TryGetTicketType(a.TicketType, out var ticketType))
        {
            throw new LedgerFormatException(source, line, $"unknown ticket type '{a.TicketType}'");
        }

        var status = a.Status switch
        {
            "active" => AttendeeStatus.Active,
            "revoked" => AttendeeStatus.Revoked,
            _ => throw new LedgerFormatException(source, line, $"status '{a.Status}' is neither 'active' nor 'revoked'"),
        };
        if (!TokenHash.TryParse(a.TokenHash, out var hash))
        {
            throw new LedgerFormatException(source, line, "tokenHash must be 22 base64url characters");
        }

        return new AttendeeRecord(a.Id, a.Name, ticketType,
            a.ValidFrom?.ToUnixTimeSeconds() ?? 0, a.ValidUntil?.ToUnixTimeSeconds() ?? 0,
            status, hash, a.Gates is null ? null : [.. a.Gates]);
    }

    private static T Parse<T>(string line, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, string source, int lineNumber)
    {
        try
        {
            return JsonSerializer.Deserialize(line, type) ?? throw new LedgerFormatException(source, lineNumber, "null line");
        }
        catch (JsonException e)
        {
            throw new LedgerFormatException(source, lineNumber, e.Message);
        }
    }
}
