using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Venue.Domain.Devices;
using Venue.Hosting.OpenApi;
using Venue.OpsConsole.Feed;
using Venue.OpsConsole.Model;
using Venue.OpsConsole.Security;

namespace Venue.OpsConsole;

/// <summary>
/// The ops console under <c>/console</c>: the page (anonymous: it holds no data), the session
/// exchange, and the API (snapshot, live stream, acknowledgements, attendee lookup) for ops only.
/// </summary>
public static class ConsoleEndpoints
{
    /// <summary>The SSE resume header browsers send when they reconnect.</summary>
    public const string LastEventIdHeader = "Last-Event-ID";

    public static RouteGroupBuilder MapOpsConsole(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var console = app.MapGroup("/console").WithTags("Console");
        // Routing ignores a trailing slash: this serves both /console and /console/ (the page uses absolute paths).
        console.MapGet("/", (HttpContext context) => Asset("index.html", context)).AllowAnonymous().ExcludeFromDescription();
        console.MapGet("/{file}", (string file, HttpContext context) => Asset(file, context)).AllowAnonymous().ExcludeFromDescription();
        console.MapPost("/session", SignInAsync).AllowAnonymous().AddEndpointFilter<SameOriginRequests>()
            .DescribeBody(typeof(SessionRequest), "application/json")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Trade an ops device token for a console session cookie");
        console.MapDelete("/session", (Delegate)SignOutAsync).AllowAnonymous().AddEndpointFilter<SameOriginRequests>().WithSummary("End the console session");

        var api = console.MapGroup("/api").RequireAuthorization(ConsoleAuthentication.Policy).AddEndpointFilter<SameOriginRequests>()
            .ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        api.MapGet("/snapshot", (ConsoleModel model, HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-store";
            return TypedResults.Ok(model.Snapshot());
        }).WithSummary("Everything the console shows, and the stream position it is consistent with");
        api.MapGet("/stream", Stream)
            .WithSummary("Live events (Server-Sent Events); resume with Last-Event-ID or ?after={epoch}-{seq}")
            .WithDescription("See docs/live-streams.md for the events and the resync rule.");
        api.MapPost("/alerts/{id:long}/acknowledge", AcknowledgeAlert).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Mark a zone alert as seen");
        api.MapPost("/conflicts/{id:long}/acknowledge", AcknowledgeConflictAsync).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Mark a conflict (a badge admitted at two edges) as seen; central only");
        api.MapGet("/attendees/{id}", FindAttendeeAsync).ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("Look an attendee up by id");
        return console;
    }

    private static Results<FileContentHttpResult, StatusCodeHttpResult, ProblemHttpResult> Asset(string file, HttpContext context)
    {
        if (!ConsoleAssets.All.TryGetValue(file, out var asset))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"The console has no file '{file}'.");
        }

        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        if (file == "index.html")
        {
            headers.ContentSecurityPolicy = ConsoleAssets.IndexPolicy;
            headers["Referrer-Policy"] = "no-referrer";
        }

        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.File(asset.Content, asset.ContentType);
    }

    private static async Task<Results<Ok<SessionView>, ProblemHttpResult>> SignInAsync(
        HttpContext context, IDeviceCredentialStore store, ConsoleSessions sessions, SignInThrottle throttle, TimeProvider time)
    {
        var address = context.Connection.RemoteIpAddress;
        if (throttle.RetryAfter(address) is { } wait)
        {
            context.Response.Headers.RetryAfter = Math.Ceiling(wait.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed sign-ins",
                detail: $"{SignInThrottle.FailuresAllowed} sign-ins from this address failed within {SignInThrottle.Window.TotalSeconds:0} s; try again in {Math.Ceiling(wait.TotalSeconds):0} s.");
        }

        // A body that cannot be a sign-in is no guess at a token: refused, and not counted against the address.
        var (body, problem) = await SessionRequests.ReadAsync(context);
        if (problem is not null)
        {
            return problem;
        }

        var credential = string.IsNullOrWhiteSpace(body!.Token) ? null : await store.AuthenticateAsync(body.Token.Trim(), context.RequestAborted);
        if (credential is null || credential.Role != DeviceRole.Ops)
        {
            throttle.Failed(address);
        }

        if (credential is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unknown token",
                detail: "The token is unknown or revoked here. Ask for an ops token of this silo: 'venue edge devices add --role ops' on an edge, 'venue central devices add --role ops' at central.");
        }

        if (credential.Role != DeviceRole.Ops)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Not an ops token",
                detail: $"This is {Article(credential.Role.ToString().ToLowerInvariant())} token; the console needs an ops token.");
        }

        var expires = time.GetUtcNow() + ConsoleAuthentication.SessionLifetime;
        await context.SignInAsync(ConsoleAuthentication.Scheme, ConsoleAuthentication.Principal(credential, sessions.NewSessionClaims()),
            new AuthenticationProperties { IsPersistent = true, ExpiresUtc = expires });
        return TypedResults.Ok(new SessionView(credential.Name, credential.Role.ToString(), expires));
    }

    private static string Article(string word) => ("aeiou".Contains(word[0], StringComparison.Ordinal) ? "an " : "a ") + word;

    private static async Task<NoContent> SignOutAsync(HttpContext context, ConsoleSessions sessions)
    {
        // Ended on the silo too, not only in this browser: a copy of the cookie stops working.
        if ((await context.AuthenticateAsync(ConsoleAuthentication.Scheme)).Principal is { } session)
        {
            sessions.End(session);
        }

        await context.SignOutAsync(ConsoleAuthentication.Scheme);
        return TypedResults.NoContent();
    }

    /// <summary>The browser's Last-Event-ID (on its own reconnects) wins over <c>after</c> (the page's first connect, from its snapshot).</summary>
    private static EventStreamResult Stream(HttpContext context, LiveFeed feed, string? after = null)
    {
        var header = context.Request.Headers[LastEventIdHeader].ToString();
        var position = string.IsNullOrEmpty(header) ? after : header;
        if (string.IsNullOrEmpty(position))
        {
            return new EventStreamResult(feed, null, unreadablePosition: false);
        }

        return FeedPosition.TryParse(position, out var parsed)
            ? new EventStreamResult(feed, parsed, unreadablePosition: false)
            : new EventStreamResult(feed, null, unreadablePosition: true);
    }

    private static Results<Ok<AlertView>, ProblemHttpResult> AcknowledgeAlert(long id, ConsoleModel model, ClaimsPrincipal user) =>
        model.AcknowledgeAlert(id, ConsoleAuthentication.Who(user)) is { } alert
            ? TypedResults.Ok(alert)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown alert", detail: $"No alert {id} (alerts are kept while they are among the last {ConsoleModel.AlertsKept}).");

    private static async Task<Results<Ok<ConflictView>, ProblemHttpResult>> AcknowledgeConflictAsync(
        long id, ClaimsPrincipal user, IServiceProvider services, CancellationToken cancellationToken)
    {
        var desk = services.GetService<IConflictDesk>();
        if (desk is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No conflicts here",
                detail: "Conflicts are found and acknowledged at central; this silo has none.");
        }

        return await desk.AcknowledgeAsync(id, ConsoleAuthentication.Who(user), cancellationToken) is { } conflict
            ? TypedResults.Ok(conflict)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown conflict", detail: $"No conflict {id}.");
    }

    private static async Task<Results<Ok<AttendeeView>, ProblemHttpResult>> FindAttendeeAsync(
        string id, IAttendeeLookup lookup, CancellationToken cancellationToken) =>
        await lookup.FindAsync(id.Trim(), cancellationToken) is { } attendee
            ? TypedResults.Ok(attendee)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown attendee", detail: $"No attendee '{id}' here.");
}
