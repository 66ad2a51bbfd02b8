using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Venue.Domain.Booths;
using Venue.Domain.CheckIn;
using Venue.Domain.Devices;
using Venue.Domain.Gates;
using Venue.Domain.Leaderboards;
using Venue.Domain.Portals;
using Venue.Domain.Readers;
using Venue.Domain.Zones;
using Venue.Edge.ScannerApi;
using Venue.Edge.Silo;
using Venue.Hosting.Http;
using Venue.Hosting.OpenApi;
using Venue.Hosting.Security;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Telemetry;

/// <summary>
/// The telemetry API (docs/telemetry-api.md): readers posting reads, booth apps capturing leads and
/// challenge completions, and the zones, portals, booths and leaderboards they feed. Served only by
/// an edge with a venue layout (<c>Edge:LayoutPath</c>); without one every route answers 404.
/// </summary>
public static class TelemetryEndpoints
{
    private const int MaxTokenLength = 2048;
    private const int MaxRequestBytes = 8 * 1024;

    public static IEndpointRouteBuilder MapTelemetryApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/readers").WithTags("Readers").RequireAuthorization(VenuePolicies.Reader)
            .MapPost("/{readerId}/reads", PostReadsAsync)
            .DescribeBody(null, "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Post tag reads (Zebra IoT Connector or Impinj IoT device interface JSON)")
            .WithDescription("Answered after the reads are durable in the read journal; reads already journaled (same reader, eventNum and timestamp) are counted as duplicates.");

        var booths = app.MapGroup("/v1/booths").WithTags("Booths");
        booths.MapPost("/{boothId}/leads", CaptureLeadAsync).RequireAuthorization(VenuePolicies.Scanner)
            .DescribeBody(typeof(LeadRequestBody), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Capture a lead: a booth scanned a badge (one lead per attendee per booth); only with the booth's own app credential (a scanner named booth:{boothId})");
        booths.MapGet("/", ListBoothsAsync).RequireAuthorization(VenuePolicies.Staff)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Every booth's counters (404 on an edge without a venue layout)");
        booths.MapGet("/{boothId}/leads", ExportLeadsAsync).RequireAuthorization(VenuePolicies.Staff)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .AddOpenApiOperationTransformer(LeadsCsvResponse)
            .WithSummary("The booth's leads for its exhibitor, as JSON or (format=csv) CSV: for ops, and for the booth's own app");

        app.MapGroup("/v1/challenges").WithTags("Challenges").RequireAuthorization(VenuePolicies.Staff)
            .MapPost("/{challengeId}/completions", CompleteChallengeAsync)
            .DescribeBody(typeof(ChallengeRequestBody), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("An attendee completed a challenge: its points, once");

        var zones = app.MapGroup("/v1/zones").WithTags("Zones").RequireAuthorization(VenuePolicies.Ops);
        zones.MapGet("/", ListZonesAsync).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Every zone's occupancy, level, peak, dwell and per-minute series (404 on an edge without a venue layout)");
        zones.MapGet("/{zoneId}", GetZoneAsync).ProducesProblem(StatusCodes.Status404NotFound).WithSummary("One zone");
        zones.MapGet("/{zoneId}/occupants", GetOccupantsAsync).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .DescribeQueryNumber("limit", integer: true, 1, 10_000, "How many occupants at most (default 100).")
            .WithSummary("Who is in the zone now (up to limit, default 100)");
        app.MapGet("/v1/attendees/{attendeeId}/location", GetLocationAsync).WithTags("Zones").RequireAuthorization(VenuePolicies.Ops)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Which zone an attendee is in (404 for an attendee neither in the edge's ledger nor admitted at its gates)");
        app.MapGet("/v1/portals", ListPortalsAsync).WithTags("Zones").RequireAuthorization(VenuePolicies.Ops)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Every portal's read, pass and movement counters");

        var boards = app.MapGroup("/v1/leaderboards").WithTags("Leaderboards").RequireAuthorization(VenuePolicies.Staff);
        boards.MapGet("/{board}", GetTopAsync).ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .DescribeQueryNumber("top", integer: true, 1, 1000, "How many entries (default 10).")
            .WithSummary("The top entries of a board (attendees or booths); top defaults to 10, at most 1000");
        boards.MapGet("/{board}/entries/{id}", GetRankAsync).ProducesProblem(StatusCodes.Status404NotFound).WithSummary("One entry's score and rank");
        return app;
    }

    /// <summary>The leads export's other 200: CSV, written by hand (format=csv), which nothing else tells the OpenAPI document.</summary>
    private static Task LeadsCsvResponse(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.Responses?.TryGetValue("200", out var ok) == true && ok is OpenApiResponse response)
        {
            response.Content ??= new Dictionary<string, OpenApiMediaType>();
            response.Content["text/csv"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
        }

        return Task.CompletedTask;
    }

    private static async Task<Results<Ok<ReadsAcceptedBody>, ProblemHttpResult>> PostReadsAsync(
        string readerId, HttpContext context, EdgeSiloService host, IOptions<EdgeSiloOptions> options)
    {
        if (host.Silo.Telemetry is not { } telemetry)
        {
            return NoLayout();
        }

        var device = context.User.FindFirstValue(ClaimTypes.Name);
        if (!string.Equals(device, readerId, StringComparison.Ordinal))
        {
            return Problem(StatusCodes.Status403Forbidden, "Wrong reader", $"This credential is reader '{device}'; it may post only to /v1/readers/{device}/reads.");
        }

        if (!telemetry.IsKnownReader(readerId))
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown reader", $"Reader '{readerId}' is not in this edge's venue layout.");
        }

        if (!IsJson(context.Request))
        {
            return Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the reads as application/json.");
        }

        var limit = options.Value.Readers.MaxBodyBytes;
        using var body = await BoundedBody.ReadAsync(context.Request, limit);
        if (BodyProblem(body, limit) is { } problem)
        {
            return problem;
        }

        try
        {
            var parsed = ReaderPayloads.Parse(readerId, body.Bytes.Span, limit);
            if (parsed.Error is { } error)
            {
                return Problem(StatusCodes.Status400BadRequest, "Malformed reads", $"Nothing was taken in: {error}");
            }

            var result = await telemetry.IngestAsync(parsed.Reads, context.RequestAborted);
            return TypedResults.Ok(new ReadsAcceptedBody(readerId, parsed.Reads.Count, result.Accepted, result.Duplicates, parsed.IgnoredEvents, result.ClockAhead));
        }
        catch (JournalWriteException e)
        {
            return ScannerApi.JournalUnavailable.Problem(context, "The read journal is unavailable",
                $"The reads were not recorded; post them again: {e.InnerException?.Message}");
        }
    }

    private static async Task<Results<Ok<LeadResponseBody>, ProblemHttpResult>> CaptureLeadAsync(
        string boothId, HttpContext context, EdgeSiloService host, TimeProvider time)
    {
        var silo = host.Silo;
        if (silo.Telemetry is not { } telemetry)
        {
            return NoLayout();
        }

        if (!telemetry.Layout.TryGetBooth(boothId, out var booth))
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown booth", $"Booth '{boothId}' is not in this edge's venue layout.");
        }

        if (!BoothApps.MayCapture(context.User, boothId))
        {
            return NotThisBoothsApp(context, boothId);
        }

        var (body, problem) = await ReadJsonAsync(context, TelemetryJsonContext.Default.LeadRequestBody);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        CheckTokenAndNonce(body!.Token, body.Nonce, errors);
        if (body.Rating is < 1 or > 5)
        {
            errors["rating"] = ["A rating is 1 to 5, or absent."];
        }

        if (body.Notes is { Length: > LeadCapture.MaxNotesLength })
        {
            errors["notes"] = [$"Notes are at most {LeadCapture.MaxNotesLength} characters."];
        }

        if (errors.Count > 0)
        {
            return Invalid("The lead is invalid", errors);
        }

        var verdict = Validate(silo, body.Token!, $"booth:{booth.Id}", booth.Name, time);
        if (verdict.Refusal is { } refusal || verdict.AttendeeId is null)
        {
            return TypedResults.Ok(new LeadResponseBody("refused", (verdict.Refusal ?? ScanReason.UnknownTicket).Code(), boothId, Attendee(verdict), null));
        }

        try
        {
            var result = await telemetry.CaptureLeadAsync(boothId, new LeadCapture(verdict.AttendeeId, body.Rating, body.Notes, time.GetUtcNow()), body.Nonce!, context.RequestAborted);
            return result.Outcome == LeadCaptureOutcome.Rejected
                ? Invalid("The lead is invalid", new Dictionary<string, string[]> { ["lead"] = [result.Problem ?? "Rejected."] })
                : TypedResults.Ok(new LeadResponseBody(result.Outcome == LeadCaptureOutcome.Captured ? "captured" : "updated", null, boothId, Attendee(verdict), result.Lead));
        }
        catch (JournalWriteException e)
        {
            return ScannerApi.JournalUnavailable.Problem(context, "The read journal is unavailable", $"The lead was not recorded; scan again: {e.InnerException?.Message}");
        }
    }

    private static async Task<Results<Ok<ChallengeResponseBody>, ProblemHttpResult>> CompleteChallengeAsync(
        string challengeId, HttpContext context, EdgeSiloService host, TimeProvider time)
    {
        var silo = host.Silo;
        if (silo.Telemetry is not { } telemetry)
        {
            return NoLayout();
        }

        if (!telemetry.Layout.TryGetChallenge(challengeId, out var challenge))
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown challenge", $"Challenge '{challengeId}' is not in this edge's venue layout.");
        }

        if (BoothApps.IsBoothApp(context.User))
        {
            return Problem(StatusCodes.Status403Forbidden, "A booth app does not award challenges",
                $"This credential ('{context.User.FindFirstValue(ClaimTypes.Name)}') is a booth app's: it captures its booth's leads and nothing else.");
        }

        var (body, problem) = await ReadJsonAsync(context, TelemetryJsonContext.Default.ChallengeRequestBody);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        CheckTokenAndNonce(body!.Token, body.Nonce, errors);
        if (errors.Count > 0)
        {
            return Invalid("The completion is invalid", errors);
        }

        var verdict = Validate(silo, body.Token!, $"challenge:{challenge.Id}", challenge.Name, time);
        if (verdict.Refusal is not null || verdict.AttendeeId is null)
        {
            return TypedResults.Ok(new ChallengeResponseBody("refused", (verdict.Refusal ?? ScanReason.UnknownTicket).Code(), challengeId, Attendee(verdict), null));
        }

        try
        {
            var award = await telemetry.CompleteChallengeAsync(challengeId, verdict.AttendeeId, body.Nonce!, time.GetUtcNow(), context.RequestAborted);
            return TypedResults.Ok(new ChallengeResponseBody(award.Applied ? "awarded" : "already_awarded", null, challengeId, Attendee(verdict), award.Entry));
        }
        catch (JournalWriteException e)
        {
            return ScannerApi.JournalUnavailable.Problem(context, "The read journal is unavailable", $"The completion was not recorded; scan again: {e.InnerException?.Message}");
        }
    }

    private static async Task<Results<Ok<IReadOnlyList<BoothStatus>>, ProblemHttpResult>> ListBoothsAsync(EdgeSiloService host)
    {
        if (host.Silo.Telemetry is not { } telemetry)
        {
            return NoLayout();
        }

        var all = await Task.WhenAll(telemetry.Layout.Booths.Select(b => host.Silo.Grains.GetGrain<IBoothGrain>(b.Id).GetStatusAsync()));
        return TypedResults.Ok<IReadOnlyList<BoothStatus>>(all);
    }

    private static async Task<Results<Ok<IReadOnlyList<BoothLead>>, ContentHttpResult, ProblemHttpResult>> ExportLeadsAsync(
        string boothId, string? format, HttpContext context, EdgeSiloService host)
    {
        if (host.Silo.Telemetry is not { } telemetry)
        {
            return NoLayout();
        }

        if (!telemetry.Layout.TryGetBooth(boothId, out _))
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown booth", $"Booth '{boothId}' is not in this edge's venue layout.");
        }

        if (!context.User.IsInRole(nameof(DeviceRole.Ops)) && !BoothApps.MayCapture(context.User, boothId))
        {
            return NotThisBoothsApp(context, boothId);
        }

        if (format is not (null or "json" or "csv"))
        {
            return Problem(StatusCodes.Status400BadRequest, "Unknown format", "format is json (the default) or csv.");
        }

        var leads = await host.Silo.Grains.GetGrain<IBoothGrain>(boothId).GetLeadsAsync();
        if (format != "csv")
        {
            return TypedResults.Ok(leads);
        }

        var csv = new StringBuilder("attendee_id,rating,notes,first_captured_at,last_captured_at\n");
        foreach (var lead in leads)
        {
            csv.Append(Csv(lead.AttendeeId)).Append(',')
                .Append(lead.Rating?.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(Csv(lead.Notes ?? "")).Append(',')
                .Append(lead.FirstCapturedAt.ToString("O", CultureInfo.InvariantCulture)).Append(',')
                .Append(lead.LastCapturedAt.ToString("O", CultureInfo.InvariantCulture)).Append('\n');
        }

        return TypedResults.Text(csv.ToString(), "text/csv; charset=utf-8");
    }

    private static async Task<Results<Ok<IReadOnlyList<ZoneStatus>>, ProblemHttpResult>> ListZonesAsync(EdgeSiloService host)
    {
        if (host.Silo.Telemetry is not { } telemetry)
        {
            return NoLayout();
        }

        var all = await Task.WhenAll(telemetry.Layout.Zones.Select(z => host.Silo.Grains.GetGrain<IZoneGrain>(z.Id).GetStatusAsync()));
        return TypedResults.Ok<IReadOnlyList<ZoneStatus>>(all);
    }

    private static async Task<Results<Ok<ZoneStatus>, ProblemHttpResult>> GetZoneAsync(string zoneId, EdgeSiloService host)
    {
        if (host.Silo.Telemetry is not { } telemetry)
        {
            return NoLayout();
        }

        return telemetry.Layout.TryGetZone(zoneId, out _)
            ? TypedResults.Ok(await host.Silo.Grains.GetGrain<IZoneGrain>(zoneId).GetStatusAsync())
            : UnknownZone(zoneId);
    }

    private static async Task<Results<Ok<IReadOnlyList<ZoneOccupant>>, ProblemHttpResult>> GetOccupantsAsync(string zoneId, string? limit, EdgeSiloService host)
    {
        if (host.Silo.Telemetry is not { } telemetry)
        {
            return NoLayout();
        }

        if (!TryCount(limit, 10_000, 100, out var count))
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad limit", "limit is a whole number from 1 to 10,000 (leave it out for 100).");
        }

        return telemetry.Layout.TryGetZone(zoneId, out _)
            ? TypedResults.Ok(await host.Silo.Grains.GetGrain<IZoneGrain>(zoneId).GetOccupantsAsync(count))
            : UnknownZone(zoneId);
    }

    private static async Task<Results<Ok<AttendeeLocation>, ProblemHttpResult>> GetLocationAsync(string attendeeId, EdgeSiloService host)
    {
        if (host.Silo.Telemetry is not { } telemetry)
        {
            return NoLayout();
        }

        // Only attendees the edge knows: any other id would activate (and keep in memory) a grain of its own.
        if (!telemetry.CanLocate(attendeeId))
        {
            return Problem(StatusCodes.Status404NotFound, "Unknown attendee", $"Attendee '{attendeeId}' is not in this edge's ledger and has not passed its gates.");
        }

        return TypedResults.Ok(await host.Silo.Grains.GetGrain<IAttendeeLocationGrain>(attendeeId).GetLocationAsync());
    }

    private static async Task<Results<Ok<IReadOnlyList<PortalStatus>>, ProblemHttpResult>> ListPortalsAsync(EdgeSiloService host)
    {
        if (host.Silo.Telemetry is not { } telemetry)
        {
            return NoLayout();
        }

        var all = await Task.WhenAll(telemetry.Layout.Portals.Select(p => host.Silo.Grains.GetGrain<IPortalGrain>(p.Id).GetStatusAsync()));
        return TypedResults.Ok<IReadOnlyList<PortalStatus>>(all);
    }

    private static async Task<Results<Ok<LeaderboardBody>, ProblemHttpResult>> GetTopAsync(string board, string? top, EdgeSiloService host)
    {
        if (host.Silo.Telemetry is null)
        {
            return NoLayout();
        }

        if (board is not (LeaderboardNames.Attendees or LeaderboardNames.Booths))
        {
            return UnknownBoard(board);
        }

        if (!TryCount(top, 1000, 10, out var count))
        {
            return Problem(StatusCodes.Status400BadRequest, "Bad top", "top is a whole number from 1 to 1,000 (leave it out for 10).");
        }

        return TypedResults.Ok(new LeaderboardBody(board, await host.Silo.Grains.GetGrain<ILeaderboardGrain>(board).GetTopAsync(count)));
    }

    private static async Task<Results<Ok<LeaderboardEntry>, ProblemHttpResult>> GetRankAsync(string board, string id, EdgeSiloService host)
    {
        if (host.Silo.Telemetry is null)
        {
            return NoLayout();
        }

        if (board is not (LeaderboardNames.Attendees or LeaderboardNames.Booths))
        {
            return UnknownBoard(board);
        }

        return await host.Silo.Grains.GetGrain<ILeaderboardGrain>(board).GetRankAsync(id) is { } entry
            ? TypedResults.Ok(entry)
            : Problem(StatusCodes.Status404NotFound, "No points", $"'{id}' has no points on the {board} board.");
    }

    /// <summary>
    /// A count from the query, 1 to <paramref name="max"/>; absent or empty is <paramref name="fallback"/>.
    /// Bound as text and parsed here: bound as a number, "abc" or 99999999999 got a 400 that said nothing.
    /// </summary>
    private static bool TryCount(string? text, int max, int fallback, out int count)
    {
        count = fallback;
        return string.IsNullOrEmpty(text)
            || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count) && count >= 1 && count <= max);
    }

    /// <summary>Judges a badge shown at a booth or challenge desk as a gate with no ticket-type limits would.</summary>
    private static BadgeVerdict Validate(EdgeSilo silo, string token, string place, string name, TimeProvider time) =>
        BadgeValidator.Validate(token, new GateDefinition(place, name), silo.Ledger, time.GetUtcNow());

    private static AttendeeBody? Attendee(BadgeVerdict verdict) =>
        verdict.Attendee is { } a ? new AttendeeBody(a.Id, a.Name, a.TicketType) : null;

    private static void CheckTokenAndNonce(string? token, string? nonce, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            errors["token"] = [$"The scanned badge token (1 to {MaxTokenLength} characters) is required."];
        }

        if (!Nonce.IsValid(nonce))
        {
            errors["nonce"] = [Nonce.Problem("")];
        }
    }

    private static async Task<(T? Body, ProblemHttpResult? Problem)> ReadJsonAsync<T>(HttpContext context, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        where T : class
    {
        if (!IsJson(context.Request))
        {
            return (null, Problem(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as application/json."));
        }

        using var read = await BoundedBody.ReadAsync(context.Request, MaxRequestBytes);
        if (BodyProblem(read, MaxRequestBytes) is { } problem)
        {
            return (null, problem);
        }

        try
        {
            var body = JsonSerializer.Deserialize(read.Bytes.Span, type);
            return body is null ? (null, Problem(StatusCodes.Status400BadRequest, "Malformed request", "The body must be a JSON object.")) : (body, null);
        }
        catch (JsonException e)
        {
            return (null, Problem(StatusCodes.Status400BadRequest, "Malformed request", $"The body is not valid JSON of the right shape: {e.Message}"));
        }
    }

    /// <summary>413 beyond the limit, 400 when empty; null for a body read.</summary>
    private static ProblemHttpResult? BodyProblem(BoundedBody body, int limit) => body.Status switch
    {
        BodyRead.TooLarge => TooLarge(limit),
        BodyRead.Empty => Problem(StatusCodes.Status400BadRequest, "Malformed request", "The request has no body."),
        _ => null,
    };

    private static bool IsJson(HttpRequest request) =>
        request.ContentType is { } type && type.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// One CSV cell. Notes are typed by booth staff and opened in spreadsheets: a cell starting with
    /// <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, a tab or a carriage return would be read as a formula,
    /// so it gets a leading apostrophe (OWASP's advice for CSV injection), then quoting as needed.
    /// </summary>
    internal static string Csv(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
        {
            value = "'" + value;
        }

        return value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    private static ProblemHttpResult NotThisBoothsApp(HttpContext context, string boothId) =>
        Problem(StatusCodes.Status403Forbidden, "Not this booth's app",
            $"This credential ('{context.User.FindFirstValue(ClaimTypes.Name)}') is not booth {boothId}'s app. A booth app's credential is a scanner named " +
            $"'{BoothApps.CredentialName(boothId)}' (venue edge devices add --name {BoothApps.CredentialName(boothId)}); it captures and exports that booth's leads only.");

    private static ProblemHttpResult Invalid(string title, Dictionary<string, string[]> errors) =>
        TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ValidationProblemDetails(errors)
        {
            Status = StatusCodes.Status400BadRequest,
            Title = title,
            Detail = $"Fix these fields: {string.Join(", ", errors.Keys)}.",
        });

    private static ProblemHttpResult NoLayout() =>
        Problem(StatusCodes.Status404NotFound, "No venue layout", "This edge runs without a venue layout (Edge:LayoutPath), so it keeps no telemetry.");

    private static ProblemHttpResult UnknownZone(string zoneId) =>
        Problem(StatusCodes.Status404NotFound, "Unknown zone", $"Zone '{zoneId}' is not in this edge's venue layout.");

    private static ProblemHttpResult UnknownBoard(string board) =>
        Problem(StatusCodes.Status404NotFound, "Unknown leaderboard", $"There is no '{board}' board; there are '{LeaderboardNames.Attendees}' and '{LeaderboardNames.Booths}'.");

    private static ProblemHttpResult TooLarge(int limit) =>
        Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", $"This request is at most {limit:N0} bytes.");

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(statusCode: status, title: title, detail: detail);
}
