using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

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
        await FeedStreamWriter.WriteAsync(feed, subscription, response.BodyWriter, time, ended.Token);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), [ContentTypeValue]));
    }
}
