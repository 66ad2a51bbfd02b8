using System.Threading.Channels;

namespace Venue.OpsConsole.Feed;

/// <summary>
/// One client's place in the feed: the replayed events it missed, then a bounded queue of live
/// ones. When the queue overflows the feed drops it (<see cref="Dropped"/>) and what is left in it
/// is discarded: the client reloads a snapshot instead of catching up slowly.
/// </summary>
public sealed class FeedSubscription : IDisposable
{
    private readonly LiveFeed _feed;
    private readonly Channel<FeedFrame> _queue;
    private volatile bool _dropped;

    internal FeedSubscription(LiveFeed feed, IReadOnlyList<FeedFrame> backlog, int capacity)
    {
        _feed = feed;
        Backlog = backlog;
        // Written only under the feed's lock, read by the one response writing this client's stream.
        _queue = Channel.CreateBounded<FeedFrame>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Set when the client cannot resume and must reload the snapshot; nothing else is delivered then.</summary>
    public ResyncReason? Resync { get; private init; }

    /// <summary>The events after the client's position that were already published when it subscribed.</summary>
    public IReadOnlyList<FeedFrame> Backlog { get; }

    /// <summary>True once the client's queue overflowed; it is to be sent a resync and closed.</summary>
    public bool Dropped => _dropped;

    internal static FeedSubscription ForResync(LiveFeed feed, ResyncReason reason)
    {
        var subscription = new FeedSubscription(feed, [], 1) { Resync = reason };
        subscription._queue.Writer.TryComplete();
        return subscription;
    }

    /// <summary>Waits for live events; false when the stream is over (closed by the server, or dropped and drained).</summary>
    public ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) => _queue.Reader.WaitToReadAsync(cancellationToken);

    /// <summary>Takes the next queued event; false when none is queued or the client was dropped.</summary>
    public bool TryRead(out FeedFrame frame)
    {
        if (_dropped)
        {
            frame = null!;
            return false;
        }

        return _queue.Reader.TryRead(out frame!);
    }

    internal bool Offer(FeedFrame frame) => _queue.Writer.TryWrite(frame);

    internal void Drop()
    {
        _dropped = true;
        _queue.Writer.TryComplete();
    }

    internal void Close() => _queue.Writer.TryComplete();

    public void Dispose() => _feed.Remove(this);
}
