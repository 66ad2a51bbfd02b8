using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Venue.OpsConsole.Feed;

/// <summary>
/// Writes a feed subscription as <c>text/event-stream</c> (docs/live-streams.md). Not the framework's
/// ServerSentEvents result: that formats each item per client, where these frames are encoded once
/// and shared; and this one needs the replay, the heartbeat and the resync around the items.
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
        var token = ended.Token;
        var writer = response.BodyWriter;
        var time = httpContext.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;

        // The retry field, and a comment so the browser's 'open' fires before the first event.
        writer.Write(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"retry: {(long)feed.Options.Retry.TotalMilliseconds}\n: {feed.Epoch}\n\n")));

        using var subscription = unreadablePosition ? null : feed.Subscribe(after);
        if (subscription is null || subscription.Resync is not null)
        {
            writer.Write(FeedFrame.Resync(subscription?.Resync ?? ResyncReason.Unknown, feed.Sequence).Bytes);
            await FlushAsync(writer, token);
            return;
        }

        try
        {
            foreach (var frame in subscription.Backlog)
            {
                writer.Write(frame.Bytes);
            }

            while (true)
            {
                // Drain what is queued, then flush once: a burst goes out in few writes.
                while (subscription.TryRead(out var frame))
                {
                    writer.Write(frame.Bytes);
                }

                if (subscription.Dropped)
                {
                    writer.Write(FeedFrame.Resync(ResyncReason.Slow, feed.Sequence).Bytes);
                    await FlushAsync(writer, token);
                    return;
                }

                if (!await FlushAsync(writer, token))
                {
                    return;
                }

                using var beat = new CancellationTokenSource(feed.Options.Heartbeat, time);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(token, beat.Token);
                try
                {
                    if (!await subscription.WaitToReadAsync(wait.Token))
                    {
                        if (!subscription.Dropped)
                        {
                            // Closed by the server (shutdown, or a test cutting connections): the browser reconnects and resumes.
                            return;
                        }
                    }
                }
                catch (OperationCanceledException) when (beat.IsCancellationRequested && !token.IsCancellationRequested)
                {
                    writer.Write(": keepalive\n\n"u8);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // The client went away or the server is stopping.
        }
    }

    /// <summary>False when the client has gone.</summary>
    private static async ValueTask<bool> FlushAsync(PipeWriter writer, CancellationToken token)
    {
        var flushed = await writer.FlushAsync(token);
        return !flushed.IsCompleted && !flushed.IsCanceled;
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), [ContentTypeValue]));
    }
}
