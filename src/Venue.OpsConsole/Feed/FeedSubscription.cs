using System.Diagnostics.CodeAnalysis;

namespace Venue.OpsConsole.Feed;

/// <summary>
/// One client's place in the feed: the last sequence it has read. It reads the events after it
/// straight from the feed's ring, replayed and live ones alike; nothing is queued for it. A client
/// that falls further behind live than the ring holds finds its next slot overwritten: it is dropped
/// (<see cref="Dropped"/>) and reloads a snapshot instead of catching up slowly. Read by one reader
/// at a time (the response writing this client's stream).
/// </summary>
public sealed class FeedSubscription : IDisposable
{
    private readonly LiveFeed _feed;
    private long _position;
    // The highest sequence known to be readable; asked of the feed again only once reached.
    private long _readable;
    // Set under the feed's lock by DisconnectAll to the sequence published then: read up to it, then the stream ends.
    private long _closedAt = long.MaxValue;
    private volatile bool _dropped;

    internal FeedSubscription(LiveFeed feed, long position)
    {
        _feed = feed;
        _position = position;
        _readable = position;
    }

    /// <summary>Set when the client cannot resume and must reload the snapshot; nothing else is delivered then.</summary>
    public ResyncReason? Resync { get; private init; }

    /// <summary>The sequence of the last event read (where the subscription started, before any).</summary>
    public long Position => _position;

    /// <summary>True once the client fell further behind than the ring holds; it is to be sent a resync and closed.</summary>
    public bool Dropped => _dropped;

    /// <summary>True once nothing more will be read: refused, dropped, or closed by the server and read up to where it was closed.</summary>
    public bool Ended => Resync is not null || _dropped || _position >= Volatile.Read(ref _closedAt);

    /// <summary>True when an event after <see cref="Position"/> is published (reading it may still find the client dropped).</summary>
    internal bool CanRead => Resync is null && !_dropped && _position < Readable();

    internal static FeedSubscription ForResync(LiveFeed feed, ResyncReason reason) => new(feed, 0) { Resync = reason };

    /// <summary>Takes the next event; false when none is published yet, or the stream is over (see <see cref="Ended"/>).</summary>
    public bool TryRead([NotNullWhen(true)] out FeedFrame? frame)
    {
        frame = null;
        if (Resync is not null || _dropped)
        {
            return false;
        }

        var next = _position + 1;
        if (next > _readable)
        {
            _readable = Readable();
            if (next > _readable)
            {
                return false;
            }
        }

        var found = _feed.Slot(next);
        if (found.Sequence != next)
        {
            // Overwritten by an event a whole ring later: this client fell too far behind.
            _dropped = true;
            _feed.Drop(this);
            return false;
        }

        _position = next;
        frame = found;
        return true;
    }

    /// <summary>Waits until an event can be read; false when the stream is over (see <see cref="Ended"/>). The stream writer uses <see cref="WaitAsync"/>, which also wakes for heartbeats.</summary>
    internal async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken) =>
        await WaitAsync(Timeout.InfiniteTimeSpan, TimeProvider.System, cancellationToken) ?? false;

    /// <summary>
    /// Waits until an event can be read (true), the stream is over (false, see <see cref="Ended"/>), or
    /// <paramref name="quiet"/> has passed without either (null: time for a heartbeat).
    /// </summary>
    internal async Task<bool?> WaitAsync(TimeSpan quiet, TimeProvider time, CancellationToken cancellationToken)
    {
        while (!CanRead)
        {
            if (Ended)
            {
                return false;
            }

            var readable = WhenReadable();
            if (!readable.IsCompleted)
            {
                // The readable task is shared by every waiting client; this wait is this client's own.
                var waiting = readable.WaitAsync(quiet, time, cancellationToken);
                await waiting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                cancellationToken.ThrowIfCancellationRequested();
                if (!waiting.IsCompletedSuccessfully)
                {
                    return null;
                }
            }
        }

        return true;
    }

    internal Task WhenReadable() => _feed.WhenReadable(this);

    internal void Close(long at) => Volatile.Write(ref _closedAt, at);

    public void Dispose() => _feed.Remove(this);

    /// <summary>
    /// The sequence, then the close mark: a close happens under the lock between publishes, so a
    /// sequence published after it makes the mark visible too.
    /// </summary>
    private long Readable() => Math.Min(_feed.Sequence, Volatile.Read(ref _closedAt));
}
