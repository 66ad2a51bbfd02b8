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
    /// request came, and a stream may stay open for days. The client's reconnect then gets a 401.
    /// </summary>
    private static async Task WatchCredentialAsync(HttpContext httpContext, TimeProvider time, CancellationTokenSource ended)
    {
        var check = httpContext.RequestServices.GetService<OpsCredentialCheck>();
        var id = httpContext.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (check is null || id is null)
        {
            return;
        }

        var every = httpContext.RequestServices.GetService<IOptions<LiveFeedOptions>>()?.Value.CredentialCheck ?? TimeSpan.FromSeconds(5);
        try
        {
            while (true)
            {
                await Task.Delay(every, time, ended.Token);
                if (!await check.IsActiveAsync(id, ended.Token))
                {
                    await ended.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // The store could not be read: the stream goes on, as a request in flight would, and its reconnect is authenticated anew.
            httpContext.RequestServices.GetService<ILoggerFactory>()?.CreateLogger<EventStreamResult>()
                .LogWarning(e, "Could not check whether the ops token behind a console stream is still active; the stream goes on unchecked.");
        }
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), [ContentTypeValue]));
    }
}
