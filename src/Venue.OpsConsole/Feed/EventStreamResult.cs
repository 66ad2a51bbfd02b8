using System.Reflection;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Venue.OpsConsole.Security;

namespace Venue.OpsConsole.Feed;

/// <summary>
/// Answers with a feed subscription as <c>text/event-stream</c> (docs/live-streams.md; the body is
/// <see cref="FeedStreamWriter"/>'s). Not the framework's ServerSentEvents result: that formats each
/// item per client, where these frames are encoded once and shared; and this one needs the replay,
/// the coalesced writes, the heartbeat and the resync around the items.
/// </summary>
public sealed class EventStreamResult(LiveFeed feed, FeedPosition? after, bool unreadablePosition) : IResult, IStatusCodeHttpResult, IContentTypeHttpResult, IEndpointMetadataProvider
{
    public const string ContentTypeValue = "text/event-stream";

    public int? StatusCode => StatusCodes.Status200OK;

    public string ContentType => ContentTypeValue;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = ContentTypeValue;
        response.Headers.CacheControl = "no-cache, no-store";
        // Reverse proxies (nginx) would otherwise hold events back to fill a buffer.
        response.Headers["X-Accel-Buffering"] = "no";
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var stopping = httpContext.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping ?? CancellationToken.None;
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, stopping);
        // Disposed before ended is: the limit never cancels a disposed source.
        using var slot = StreamLimit.HolderOf(httpContext.User) is { } holder ? httpContext.RequestServices.GetService<StreamLimit>()?.Open(holder, ended) : null;
        var time = httpContext.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        using var subscription = unreadablePosition ? null : feed.Subscribe(after);
        var watch = WatchCredentialAsync(httpContext, time, ended);
        try
        {
            await FeedStreamWriter.WriteAsync(feed, subscription, response.BodyWriter, time, ended.Token);
        }
        finally
        {
            await ended.CancelAsync();
            await watch;
        }
    }

    /// <summary>
    /// Ends the stream once the ops token it was opened with is revoked: authentication ran when the
    /// request came, and a stream may stay open for days. The client's reconnect then gets a 401. A
    /// check that cannot read the store (its database restarting) lets the stream go on and is tried
    /// again at the next interval: one failed read must not exempt the stream from revocation for good.
    /// </summary>
    private static async Task WatchCredentialAsync(HttpContext httpContext, TimeProvider time, CancellationTokenSource ended)
    {
        var check = httpContext.RequestServices.GetService<OpsCredentialCheck>();
        var sessions = httpContext.RequestServices.GetService<ConsoleSessions>();
        var id = httpContext.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (check is null || id is null)
        {
            return;
        }

        var every = httpContext.RequestServices.GetService<IOptions<LiveFeedOptions>>()?.Value.CredentialCheck ?? TimeSpan.FromSeconds(5);
        var failing = false;
        try
        {
            while (true)
            {
                await Task.Delay(every, time, ended.Token);
                bool active;
                try
                {
                    active = await check.IsActiveAsync(id, ended.Token);
                }
                catch (Exception e) when (e is not OperationCanceledException || !ended.IsCancellationRequested)
                {
                    if (!failing)
                    {
                        // Once per run of failures: a store down for an hour must not log every few seconds per stream.
                        failing = true;
                        Logger(httpContext)?.LogWarning(e, "Could not check whether the ops token behind a console stream is still active; the stream goes on and the check is tried again every {Interval}.", every);
                    }

                    continue;
                }

                if (failing)
                {
                    failing = false;
                    Logger(httpContext)?.LogInformation("The ops token behind a console stream could be checked again.");
                }

                // A signed-out or expired session's stream ends too, as its next request would be refused.
                if (!active || sessions?.IsOpen(httpContext.User) == false)
                {
                    await ended.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
        }
    }

    private static ILogger? Logger(HttpContext httpContext) => httpContext.RequestServices.GetService<ILoggerFactory>()?.CreateLogger<EventStreamResult>();

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), [ContentTypeValue]));
    }
}
