using System.Buffers;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Venue.Central.Silo;
using Venue.Hosting.OpenApi;
using Venue.Domain.Sync;
using Venue.Hosting.Security;

namespace Venue.Central.Sync;

/// <summary>
/// The edges' side of central (protocol venue-sync/1, docs/sync-protocol.md): snapshot and changes
/// down, journal batches and status up. Every call is made with an edge credential whose name is the
/// edge id, and an edge may only speak for itself.
/// </summary>
public static class SyncEndpoints
{
    /// <summary>Longest a changes request is held open when nothing is new.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);

    public static RouteGroupBuilder MapSyncApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/sync").WithTags("Sync").RequireAuthorization(VenuePolicies.Edge).AddEndpointFilter(RefuseOtherEvents)
            .ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/ledger", GetSnapshotAsync).DescribeFileResponse("application/x-ndjson", "A venue-ledger/1 snapshot, one JSON object a line (docs/ledger-format.md).")
            .WithSummary("The whole ledger as a venue-ledger/1 snapshot");
        group.MapGet("/changes", GetChangesAsync).ProducesProblem(StatusCodes.Status400BadRequest)
            .DescribeQueryNumber("ledgerAfter", integer: true, 0, long.MaxValue, "The ledgerVersion of the last answer applied (default 0).")
            .DescribeQueryNumber("passagesAfter", integer: true, 0, long.MaxValue, "The passagesCursor of the last answer applied (default 0).")
            .DescribeQueryNumber("wait", integer: false, 0, 30, "Seconds to hold the request open when nothing is new (default 0).")
            .WithSummary("Ledger changes and other edges' passages after a cursor (long poll)");
        group.MapGet("/keys", (CentralSilo silo) => TypedResults.Ok(new LedgerKeysWire(silo.Event.PublicKeys)))
            .WithSummary("Every public key central honours; an edge holds exactly these (fetched when /changes shows another Venue-Keys)");
        group.MapGet("/journal/position", GetPositionAsync).WithSummary("Where central's copy of this edge's journal ends without a gap");
        group.MapGet("/journal/entries/{seq:long}", GetEntryAsync)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The entry of this edge's journal central holds at a sequence (an edge checks its journal is the one central holds)");
        group.MapPost("/journal", PostJournalAsync)
            .DescribeBody(typeof(JournalBatchWire), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Upload journal entries (idempotent by edge and sequence)");
        group.MapPut("/status", PutStatusAsync)
            .DescribeBody(typeof(EdgeStatusWire), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .WithSummary("Report this edge's status for the silo table");
        return group;
    }

    private static string EdgeOf(ClaimsPrincipal user) => user.FindFirstValue(ClaimTypes.Name) ?? "";

    /// <summary>
    /// An edge whose ledger names another event (seeded with a demo ledger, or another event's) would
    /// upload its scans into this one and be counted: refused with 409 until it runs on this event's
    /// ledger. An edge without a ledger yet (downloading its first) sends no event.
    /// </summary>
    private static ValueTask<object?> RefuseOtherEvents(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Request.Headers[SyncHeaders.Event] is { Count: > 0 } sent)
        {
            var silo = http.RequestServices.GetRequiredService<CentralSilo>();
            var eventId = Uri.UnescapeDataString(sent.ToString());
            if (!string.Equals(eventId, silo.Event.EventId, StringComparison.Ordinal))
            {
                return ValueTask.FromResult<object?>(TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Another event's ledger",
                    detail: $"This edge's ledger is for event '{eventId}'; this central runs '{silo.Event.EventId}'. Nothing was stored. Start the edge on a fresh data directory (its journal.db holds scans made against the other event's ledger: keep it aside, not in this event) with an empty Edge:LedgerPath: it then downloads central's ledger."));
            }
        }

        return next(context);
    }

    private static async Task GetSnapshotAsync(HttpContext context, CentralSilo silo)
    {
        context.Response.ContentType = "application/x-ndjson";
        await silo.WriteSnapshotAsync(context.Response.Body, (version, cursor) =>
        {
            context.Response.Headers[SyncHeaders.LedgerVersion] = version.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers[SyncHeaders.PassagesCursor] = cursor.ToString(CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        }, context.RequestAborted);
    }

    private static async Task<Results<Ok<LedgerChangesWire>, ProblemHttpResult>> GetChangesAsync(
        HttpContext context, CentralSilo silo, string? ledgerAfter, string? passagesAfter, string? wait, string? ledgerAt, string? passagesAt)
    {
        // Parsed here, not bound as numbers: binding answered "abc" with a 400 that said nothing.
        if (!TryCursor(ledgerAfter, out var ledger))
        {
            return BadRequest("ledgerAfter is a whole number, 0 or more: the ledgerVersion of the last answer applied.");
        }

        if (!TryCursor(passagesAfter, out var passages))
        {
            return BadRequest("passagesAfter is a whole number, 0 or more: the passagesCursor of the last answer applied.");
        }

        // Written as "not in range" so that NaN (which compares false with everything) is refused too.
        var seconds = 0d;
        if (!string.IsNullOrEmpty(wait)
            && (!double.TryParse(wait, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out seconds) || seconds is not (>= 0 and <= 30)))
        {
            return BadRequest("wait is a number of seconds from 0 to 30.");
        }

        var changes = await silo.ReadChangesAsync(EdgeOf(context.User), ledger, passages,
            TimeSpan.FromSeconds(seconds), context.RequestAborted, ledgerAt, passagesAt);
        context.Response.Headers[SyncHeaders.Keys] = silo.Event.KeysFingerprint;
        if (changes.LedgerAt is { } ledgerMark)
        {
            context.Response.Headers[SyncHeaders.LedgerAt] = ledgerMark;
        }

        if (changes.PassagesAt is { } passagesMark)
        {
            context.Response.Headers[SyncHeaders.PassagesAt] = passagesMark;
        }

        return TypedResults.Ok(changes.Page);
    }

    /// <summary>A cursor from the query: absent or empty is 0.</summary>
    private static bool TryCursor(string? text, out long cursor)
    {
        cursor = 0;
        return string.IsNullOrEmpty(text) || long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out cursor);
    }

    private static async Task<Ok<JournalPositionWire>> GetPositionAsync(HttpContext context, CentralSilo silo)
    {
        var edge = EdgeOf(context.User);
        return TypedResults.Ok(new JournalPositionWire(edge, await silo.GetJournalPositionAsync(edge, context.RequestAborted)));
    }

    private static async Task<Results<Ok<JournalEntryWire>, ProblemHttpResult>> GetEntryAsync(HttpContext context, CentralSilo silo, long seq)
    {
        if (seq <= 0)
        {
            return BadRequest("seq must be 1 or more.");
        }

        var edge = EdgeOf(context.User);
        return await silo.Store.GetCheckInAsync(edge, seq, context.RequestAborted) is { } held
            ? TypedResults.Ok(held.Entry.ToWire())
            : Problem(StatusCodes.Status404NotFound, "No such entry", $"Central holds no entry {seq} of edge '{edge}'.");
    }

    private static async Task<Results<Ok<JournalReceiptWire>, ProblemHttpResult>> PostJournalAsync(HttpContext context, CentralSilo silo)
    {
        if (!IsJson(context.Request))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the batch as application/json.");
        }

        var (batch, refused) = await ReadBatchAsync(context, silo.Options.MaxSyncBodyBytes);
        if (refused is not null)
        {
            return refused;
        }

        if (batch?.Entries is null || string.IsNullOrEmpty(batch.EdgeId))
        {
            return BadRequest("The batch needs an edgeId and an entries array.");
        }

        var edge = EdgeOf(context.User);
        if (batch.EdgeId != edge)
        {
            return Problem(StatusCodes.Status403Forbidden, "Wrong edge", $"This credential belongs to edge '{edge}' and may not upload for '{batch.EdgeId}'.");
        }

        if (batch.EntryCount > silo.Options.MaxSyncBatchEntries)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "Batch too large", $"A batch may hold at most {silo.Options.MaxSyncBatchEntries} entries.");
        }

        // The entries stop before the first invalid one, so a seq repeated before it is named first, as
        // when each entry was checked in turn.
        var entries = batch.Entries;
        var seen = new HashSet<long>(entries.Count);
        foreach (var entry in entries)
        {
            if (!seen.Add(entry.Sequence))
            {
                return BadRequest($"seq {entry.Sequence} appears twice in the batch.");
            }
        }

        if (batch.Problem is not null)
        {
            return BadRequest(batch.Problem);
        }

        var receipt = await silo.IngestAsync(edge, entries);
        return TypedResults.Ok(new JournalReceiptWire(receipt.HighestContiguous, receipt.Inserted, receipt.Duplicates));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> PutStatusAsync(HttpContext context, CentralSilo silo)
    {
        if (!IsJson(context.Request))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the status as application/json.");
        }

        var (status, refused) = await ReadBodyAsync(context, silo.Options.MaxSyncBodyBytes, body =>
        {
            var reader = new Utf8JsonReader(body);
            var read = JsonSerializer.Deserialize(ref reader, SyncJsonContext.Default.EdgeStatusWire);
            // Deserialize stops after one value; anything but white space after it is not a status.
            return reader.Read() ? throw new JsonException("The body goes on after the status object.") : read;
        }, "status");
        if (refused is not null)
        {
            return refused;
        }

        if (status is null)
        {
            return BadRequest("The status must be a JSON object, not null.");
        }

        if (EdgeStatusRules.Problem(status) is { } problem)
        {
            return BadRequest(problem);
        }

        var edge = EdgeOf(context.User);
        if (status.EdgeId != edge)
        {
            return Problem(StatusCodes.Status403Forbidden, "Wrong edge", $"This credential belongs to edge '{edge}' and may report only for it.");
        }

        await silo.ReportStatusAsync(status, context.RequestAborted);
        return TypedResults.NoContent();
    }

    private static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Reads a journal batch of at most <paramref name="limit"/> bytes and parses it where Kestrel
    /// buffered it: a 1,000-entry batch is about 250 KB, and copying it into one array per request
    /// put every batch on the large object heap (gen-2 collections during ingest).
    /// </summary>
    private static Task<(JournalBatch? Batch, ProblemHttpResult? Refused)> ReadBatchAsync(HttpContext context, int limit) =>
        ReadBodyAsync(context, limit, body => new JournalBatchReader().Read(body), "batch");

    /// <summary>
    /// Reads a body of at most <paramref name="limit"/> bytes (413 beyond it) and parses it with
    /// <paramref name="parse"/> (400 when that throws a <see cref="JsonException"/>).
    /// </summary>
    private static async Task<(T? Value, ProblemHttpResult? Refused)> ReadBodyAsync<T>(HttpContext context, int limit, Func<ReadOnlySequence<byte>, T?> parse, string what)
        where T : class
    {
        if (context.Request.ContentLength > limit)
        {
            return (null, TooLarge(limit));
        }

        // Central:MaxSyncBodyBytes may be above Kestrel's own request body limit (30,000,000 bytes
        // by default), which would otherwise cut a body off first with a bare error the edge does
        // not halve its batches on. The limit is counted below, so the server's is lifted here.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        var reader = context.Request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(context.RequestAborted);
            var buffer = read.Buffer;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.End);
                return (null, TooLarge(limit));
            }

            if (read.IsCompleted)
            {
                try
                {
                    return (parse(buffer), null);
                }
                catch (JsonException e)
                {
                    // A truncated or garbled body is refused whole: nothing of it is stored.
                    return (null, BadRequest($"The {what} is not valid venue-sync/1 JSON: {e.Message}"));
                }
                finally
                {
                    reader.AdvanceTo(buffer.End);
                }
            }

            // Nothing consumed, everything looked at: wait for the rest of the body.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static ProblemHttpResult TooLarge(int limit) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Body too large", $"A sync request body may be at most {limit} bytes; send smaller batches.");

    private static ProblemHttpResult BadRequest(string detail) => Problem(StatusCodes.Status400BadRequest, "Bad sync request", detail);

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail: detail, statusCode: status, title: title);
}
