using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;

namespace Venue.Central.Integrator;

public enum ExportFormat
{
    /// <summary><c>{"checkins":[...],"nextCursor":N,"more":bool}</c>, written as it is read.</summary>
    Json,

    /// <summary>One check-in object per line; the cursor is the last line's <c>feedId</c>.</summary>
    Ndjson,

    /// <summary>A header row, then one row per check-in; the cursor is the last row's <c>feed_id</c>.</summary>
    Csv,
}

/// <summary>
/// The check-in export: rows come straight from <see cref="ICheckInStore.StreamCheckInsAsync"/> and go
/// straight to the response, flushed every 256 rows (about 64 KiB), so memory stays flat however many rows there are
/// and a slow client slows the read instead of filling memory. <c>Venue-Feed-High-Water</c> carries
/// the newest feed id when the export began: a client whose cursor has reached it has everything.
/// </summary>
internal sealed class CheckInExport(ICheckInStore store, long after, long? limit, bool passagesOnly, ExportFormat format) : IResult
{
    public const string HighWaterHeader = "Venue-Feed-High-Water";
    // About 64 KiB of output: a row is 250 to 300 bytes.
    private const int FlushEveryRows = 256;

    private static readonly string CsvHeader =
        "feed_id,edge_id,seq,hlc,at,scanned_at,received_at,gate,attendee,ticket_type,direction,reason,nonce,late\r\n";

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var cancellationToken = httpContext.RequestAborted;
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        var highWater = await store.GetLastFeedIdAsync(cancellationToken);
        response.Headers[HighWaterHeader] = highWater.ToString(CultureInfo.InvariantCulture);
        response.Headers.CacheControl = "no-store";
        response.ContentType = format switch
        {
            ExportFormat.Csv => "text/csv; charset=utf-8",
            ExportFormat.Ndjson => "application/x-ndjson",
            _ => "application/json; charset=utf-8",
        };

        var output = response.BodyWriter;
        await using var json = new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        if (format == ExportFormat.Json)
        {
            json.WriteStartObject();
            json.WriteStartArray("checkins");
        }
        else if (format == ExportFormat.Csv)
        {
            Write(output, CsvHeader);
        }

        var cursor = after;
        long written = 0;
        var more = false;
        await foreach (var row in store.StreamCheckInsAsync(after, passagesOnly, cancellationToken))
        {
            if (passagesOnly && !row.Entry.Passed)
            {
                // The store's passages include exits refused as not_inside (they say where an attendee is);
                // passagesOnly promises integrators admissions and exits.
                continue;
            }

            if (written == limit)
            {
                // One row past the page says whether another page follows, without counting the rest.
                more = true;
                break;
            }

            switch (format)
            {
                case ExportFormat.Json:
                    WriteJson(json, row);
                    break;
                case ExportFormat.Ndjson:
                    WriteJson(json, row);
                    json.Flush();
                    json.Reset();
                    output.GetSpan(1)[0] = (byte)'\n';
                    output.Advance(1);
                    break;
                default:
                    WriteCsv(output, row);
                    break;
            }

            cursor = row.FeedId;
            written++;
            if (written % FlushEveryRows == 0)
            {
                await json.FlushAsync(cancellationToken);
                await output.FlushAsync(cancellationToken);
            }
        }

        if (format == ExportFormat.Json)
        {
            json.WriteEndArray();
            // Read to the end: the cursor passes what was skipped on the way (refusals, with passagesOnly) up to the
            // high-water mark, so a client can tell it is up to date; rows stored after it began come after it.
            json.WriteNumber("nextCursor", more ? cursor : Math.Max(cursor, highWater));
            json.WriteBoolean("more", more);
            json.WriteEndObject();
        }

        await json.FlushAsync(cancellationToken);
        await output.FlushAsync(cancellationToken);
    }

    private static void WriteJson(Utf8JsonWriter json, StoredCheckIn row)
    {
        var e = row.Entry;
        json.WriteStartObject();
        json.WriteNumber("feedId", row.FeedId);
        json.WriteString("edgeId", row.EdgeId);
        json.WriteNumber("seq", e.Sequence);
        json.WriteNumber("hlc", e.Hlc);
        json.WriteString("at", e.At);
        json.WriteString("scannedAt", e.ScannedAt);
        json.WriteString("receivedAt", row.ReceivedAt);
        json.WriteString("gate", e.GateId);
        // Left out when the scan named nobody (a malformed or forged badge), as every answer leaves out a field without a value.
        if (e.AttendeeId is not null)
        {
            json.WriteString("attendee", e.AttendeeId);
        }

        if (e.TicketType is not null)
        {
            json.WriteString("ticketType", e.TicketType);
        }

        json.WriteString("direction", e.Direction == ScanDirection.Entry ? "entry" : "exit");
        json.WriteString("reason", e.Reason.Code());
        json.WriteString("nonce", e.Nonce);
        json.WriteBoolean("late", row.Late);
        json.WriteEndObject();
    }

    private static void WriteCsv(PipeWriter output, StoredCheckIn row)
    {
        var e = row.Entry;
        var line = new StringBuilder(200)
            .Append(row.FeedId.ToString(CultureInfo.InvariantCulture)).Append(',')
            .Append(Cell(row.EdgeId)).Append(',')
            .Append(e.Sequence.ToString(CultureInfo.InvariantCulture)).Append(',')
            .Append(e.Hlc.ToString(CultureInfo.InvariantCulture)).Append(',')
            .Append(e.At.ToString("O", CultureInfo.InvariantCulture)).Append(',')
            .Append(e.ScannedAt.ToString("O", CultureInfo.InvariantCulture)).Append(',')
            .Append(row.ReceivedAt.ToString("O", CultureInfo.InvariantCulture)).Append(',')
            .Append(Cell(e.GateId)).Append(',')
            .Append(Cell(e.AttendeeId)).Append(',')
            .Append(Cell(e.TicketType)).Append(',')
            .Append(e.Direction == ScanDirection.Entry ? "entry" : "exit").Append(',')
            .Append(e.Reason.Code()).Append(',')
            .Append(Cell(e.Nonce)).Append(',')
            .Append(row.Late ? "true" : "false").Append("\r\n");
        Write(output, line.ToString());
    }

    /// <summary>RFC 4180 quoting where a value needs it; values are otherwise written exactly as stored.</summary>
    internal static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    private static void Write(PipeWriter output, string text)
    {
        var span = output.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length));
        output.Advance(Encoding.UTF8.GetBytes(text, span));
    }
}
