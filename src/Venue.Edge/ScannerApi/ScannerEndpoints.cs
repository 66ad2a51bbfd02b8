using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Venue.Domain.CheckIn;
using Venue.Domain.Gates;
using Venue.Edge.Silo;
using Venue.Hosting.Http;
using Venue.Hosting.OpenApi;
using Venue.Hosting.Security;
using Venue.Storage.Sqlite;

namespace Venue.Edge.ScannerApi;

/// <summary>The scanner API: what badge scanners on the venue LAN call.</summary>
public static class ScannerEndpoints
{
    public const string RateLimitPolicy = "per-device";
    private const int MaxTokenLength = 2048;

    public static RouteGroupBuilder MapScannerApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/gates")
            .WithTags("Scanner")
            .RequireAuthorization(VenuePolicies.Scanner)
            .RequireRateLimiting(RateLimitPolicy)
            .AddEndpointFilter(RefuseBoothApps);

        group.MapPost("/{gateId}/scans", ScanAsync)
            .DescribeBody(typeof(ScanRequestBody), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithMetadata(ScanTiming.Timed)
            .WithSummary("Scan a badge at a gate")
            .WithDescription("Admits, lets out or refuses; every scan is journaled. A repeated nonce returns the first answer. The Server-Timing header carries the edge's time in ms: checkin (grains and durable journal) and request (from routing to the answer, authentication and body included).");
        // Reads draw on the same per-credential budget as scans (Edge:ScansPerSecondPerDevice).
        group.MapGet("/{gateId}", GetGateAsync).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("A gate's state and counters");
        group.MapGet("/", ListGatesAsync).ProducesProblem(StatusCodes.Status429TooManyRequests).WithSummary("Every gate this edge serves");
        return group;
    }

    /// <summary>
    /// A booth app's credential is a scanner's in an exhibitor's hands: it captures its booth's leads
    /// and nothing else, so it neither scans at gates nor reads their counters.
    /// </summary>
    private static ValueTask<object?> RefuseBoothApps(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var user = context.HttpContext.User;
        return Telemetry.BoothApps.IsBoothApp(user)
            ? ValueTask.FromResult<object?>(TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "A booth app does not work at gates",
                detail: $"This credential ('{user.FindFirstValue(ClaimTypes.Name)}') is a booth app's: it captures its booth's leads and nothing else. Use the lane's scanner credential."))
            : next(context);
    }

    public static IEndpointRouteBuilder MapEdgeHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Results<Ok<HealthBody>, JsonHttpResult<HealthBody>> (EdgeSiloService host, Telemetry.ReaderQueueService readers) =>
        {
            var silo = host.Silo;
            // A journal that cannot commit is an edge that admits nobody: unhealthy (503), so a supervisor
            // or load balancer sees it, until a commit succeeds again. Reads that cannot be kept leave
            // admissions working: degraded, still 200.
            var failure = silo.Journal.Failure;
            var readsFailure = silo.Telemetry?.Journal.Failure;
            var status = failure is not null ? "journal_unavailable" : readsFailure is not null ? "degraded" : "ok";
            var body = new HealthBody(status, silo.EdgeId, silo.Ledger.Count, silo.Journal.LastSequence, silo.Journal.Commits,
                silo.Gates.All.Count, silo.SyncStatus, silo.Telemetry?.GetStatus(), readers.Stats)
            {
                JournalFailure = JournalFailureBody.Of(failure),
                ReadJournalFailure = JournalFailureBody.Of(readsFailure),
            };
            return failure is null ? TypedResults.Ok(body) : TypedResults.Json(body, ScannerJsonContext.Default.HealthBody, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).WithTags("Health").AllowAnonymous().Produces<HealthBody>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<ScanResponseBody>, ProblemHttpResult>> ScanAsync(
        string gateId, HttpContext context, EdgeSiloService host, IOptions<EdgeSiloOptions> options)
    {
        var silo = host.Silo;
        if (!silo.Gates.TryGet(gateId, out _))
        {
            return GateNotFound(gateId);
        }

        // Checked here, after authentication, rather than by routing metadata (see DescribeBody).
        if (!context.Request.HasJsonContentType())
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
                detail: "Send the scan as a JSON object with Content-Type: application/json.");
        }

        var (body, problem) = await ReadBodyAsync(context, options.Value.MaxScanBodyBytes);
        if (problem is not null)
        {
            return problem;
        }

        var errors = Validate(body!, out var request);
        if (errors is not null)
        {
            return TypedResults.Problem(new Microsoft.AspNetCore.Mvc.ValidationProblemDetails(errors)
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The scan request is invalid",
                Detail = $"Fix these fields: {string.Join(", ", errors.Keys)}.",
            });
        }

        var started = Stopwatch.GetTimestamp();
        ScanResult result;
        try
        {
            result = await silo.ScanAsync(gateId, request!);
        }
        catch (JournalWriteException e)
        {
            return JournalUnavailable.Problem(context, "The journal is unavailable",
                $"The scan was not recorded and nobody was admitted: {e.InnerException?.Message}");
        }

        ScanTiming.Report(context, Stopwatch.GetElapsedTime(started));
        return TypedResults.Ok(ToBody(result));
    }

    public static ScanResponseBody ToBody(ScanResult r) => new(
        r.Passed ? "admitted" : "refused",
        r.Reason.Code(),
        r.Attendee is { } a ? new AttendeeBody(a.Id, a.Name, a.TicketType) : null,
        r.GateId,
        r.At,
        r.Nonce);

    private static async Task<Results<Ok<GateStatus>, ProblemHttpResult>> GetGateAsync(string gateId, EdgeSiloService host)
    {
        if (!host.Silo.Gates.TryGet(gateId, out _))
        {
            return GateNotFound(gateId);
        }

        return TypedResults.Ok(await host.Silo.GetGateStatusAsync(gateId));
    }

    private static async Task<Ok<IReadOnlyList<GateStatus>>> ListGatesAsync(EdgeSiloService host)
    {
        var silo = host.Silo;
        var all = await Task.WhenAll(silo.Gates.All.OrderBy(g => g.Id, StringComparer.Ordinal).Select(g => silo.GetGateStatusAsync(g.Id)));
        return TypedResults.Ok<IReadOnlyList<GateStatus>>(all);
    }

    private static ProblemHttpResult GateNotFound(string gateId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown gate", detail: $"Gate '{gateId}' is not served by this edge.");

    /// <summary>Reads the body up to the limit: 413 beyond it, 400 for anything that is not a JSON object of the right shape.</summary>
    private static async Task<(ScanRequestBody? Body, ProblemHttpResult? Problem)> ReadBodyAsync(HttpContext context, int limit)
    {
        using var read = await BoundedBody.ReadAsync(context.Request, limit);
        switch (read.Status)
        {
            case BodyRead.TooLarge:
                return (null, TooLarge(limit));
            case BodyRead.Empty:
                return (null, BadRequest("The request has no body; send a JSON object with token, direction, nonce and scannedAt."));
        }

        try
        {
            var body = JsonSerializer.Deserialize(read.Bytes.Span, ScannerJsonContext.Default.ScanRequestBody);
            return body is null ? (null, BadRequest("The body must be a JSON object, not null.")) : (body, null);
        }
        catch (JsonException e)
        {
            return (null, BadRequest($"The body is not valid JSON for a scan: {e.Message}"));
        }
    }

    private static Dictionary<string, string[]>? Validate(ScanRequestBody body, out ScanRequest? request)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrEmpty(body.Token))
        {
            errors["token"] = ["The badge token is required."];
        }
        else if (body.Token.Length > MaxTokenLength)
        {
            errors["token"] = [$"A badge token is at most {MaxTokenLength} characters."];
        }

        ScanDirection direction = default;
        switch (body.Direction)
        {
            case "entry":
                direction = ScanDirection.Entry;
                break;
            case "exit":
                direction = ScanDirection.Exit;
                break;
            default:
                errors["direction"] = ["Direction is 'entry' or 'exit'."];
                break;
        }

        if (!Nonce.IsValid(body.Nonce))
        {
            errors["nonce"] = [Nonce.Problem(" the same scan")];
        }

        if (body.ScannedAt is null)
        {
            errors["scannedAt"] = ["The scanner's time of the scan (ISO 8601) is required."];
        }

        request = errors.Count == 0 ? new ScanRequest(body.Token!, direction, body.Nonce!, body.ScannedAt!.Value) : null;
        return errors.Count == 0 ? null : errors;
    }

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Malformed request", detail: detail);

    private static ProblemHttpResult TooLarge(int limit) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
            detail: $"A scan request is at most {limit} bytes.");
}
