using System.Buffers;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;

namespace Venue.OpsConsole.Feed;

/// <summary>
/// Writes one client's stream body (docs/live-streams.md): the retry field, then the events after its
/// position, written and flushed at most once per <see cref="LiveFeedOptions.WriteInterval"/>, a
/// heartbeat (<see cref="Ping"/>) on a quiet stream, and a resync when the client cannot resume or falls out of the ring.
/// </summary>
internal static class FeedStreamWriter
{
    /// <summary>
    /// Bytes written before a flush while a client catches up: bounds what one response buffers on top
    /// of the shared ring. A live client's batch is far smaller.
    /// </summary>
    internal const int MaxBatchBytes = 256 * 1024;

    /// <summary>
    /// The heartbeat on a quiet stream: an event, not a comment, because browsers fire nothing for a
    /// comment and the page must see that its connection is alive. No id, so it leaves the client's
    /// Last-Event-ID (its resume position) as it was.
    /// </summary>
    internal static ReadOnlySpan<byte> Ping => "event: ping\ndata: {}\n\n"u8;

    /// <summary>Returns when the stream is over: resync sent, closed by the server, or the client gone (<paramref name="token"/>).</summary>
    /// <param name="subscription">Null when the client's position could not be read at all.</param>
    public static async Task WriteAsync(LiveFeed feed, FeedSubscription? subscription, PipeWriter writer, TimeProvider time, CancellationToken token)
    {
        var options = feed.Options;
        // The retry field, and a comment so the browser's 'open' fires before the first event.
        writer.Write(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture,
            $"retry: {(long)options.Retry.TotalMilliseconds}\n: {feed.Epoch}\n\n")));
        try
        {
            if (subscription is null || subscription.Resync is not null)
            {
                writer.Write(FeedFrame.Resync(subscription?.Resync ?? ResyncReason.Unknown, feed.Sequence).Bytes);
                await FlushAsync(writer, token);
                return;
            }

            while (true)
            {
                // Everything there is, in one write and one flush.
                var written = 0;
                while (written < MaxBatchBytes && subscription.TryRead(out var frame))
                {
                    writer.Write(frame.Bytes);
                    written += frame.Bytes.Length;
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

                var flushedAt = time.GetTimestamp();
                if (written >= MaxBatchBytes)
                {
                    // Catching up: the flush itself, waiting for the socket, sets the pace.
                    continue;
                }

                bool? readable;
                while ((readable = await subscription.WaitAsync(options.Heartbeat, time, token)) is null)
                {
                    // A heartbeat does not count as a write: the event after it is no less alone.
                    writer.Write(Ping);
                    if (!await FlushAsync(writer, token))
                    {
                        return;
                    }
                }

                if (readable is false)
                {
                    // Closed by the server (shutdown, or a test cutting connections): the browser reconnects and resumes.
                    return;
                }

                // Events arriving right after a flush wait for the interval and go out together; one
                // arriving on a stream quiet for longer goes out at once.
                var due = options.WriteInterval - time.GetElapsedTime(flushedAt);
                if (due > TimeSpan.Zero)
                {
                    await Task.Delay(due, time, token);
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
}
