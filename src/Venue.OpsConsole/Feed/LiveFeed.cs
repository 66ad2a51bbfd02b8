using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Venue.OpsConsole.Feed;

/// <summary>
/// The live stream behind every console of one silo: one sequence over every event type and one ring
/// of the latest events, which reconnecting clients replay from and connected clients read live from.
/// Publishing writes one slot and never looks at a client, so it costs the same for one console or
/// two hundred; a client that falls more than the ring behind finds its slot overwritten and is told
/// to resync. Events are published under one lock together with the change they describe (see
/// <see cref="Publish"/>), so a snapshot read under it (<see cref="Read{T}"/>) is exactly the state
/// after its sequence number.
/// </summary>
/// <remarks>
/// Waking readers. A reader with nothing left to read takes the current <c>_published</c> signal,
/// then sets <c>_armed</c> (a full fence), then looks at <c>_sequence</c> (and its close mark) once
/// more, and only waits if there is still nothing. A publisher writes the slot, then <c>_sequence</c>
/// (a full fence), then reads <c>_armed</c>; only if it is set does it clear it, install a new signal
/// and complete the old one. So a publish with nobody waiting costs one read, and a wake-up costs
/// one signal whatever the number of waiting readers. No wake-up is lost:
/// <list type="bullet">
/// <item>Reader and publisher each write their flag, fence, then read the other's (the store-buffering
/// pattern): at least one sees the other. Either the reader sees the new sequence and does not wait,
/// or the publisher sees <c>_armed</c> and completes the signal.</item>
/// <item>The signal completed is the one the reader holds, or an older one: the reader took it before
/// arming. If the reader took the new signal instead, it read it (acquire) after the publisher
/// installed it (release), which was after the sequence and the clearing of <c>_armed</c>; so the
/// reader's re-check sees the sequence, and its own arm comes after the clearing and stays set.</item>
/// <item>A reader holding an already completed signal wakes at once and simply looks again.</item>
/// <item><see cref="DisconnectAll"/> marks each client's close point, then completes the signal
/// unconditionally, under the same lock; the same argument covers it.</item>
/// </list>
/// Publishers are serialised by the lock, so only one installs a signal at a time. The old signal is
/// completed on the thread pool: queueing each waiting reader's continuation is not the publisher's work.
/// </remarks>
public sealed class LiveFeed
{
    private readonly object _gate = new();
    private readonly FeedFrame?[] _ring;
    private readonly TimeProvider _time;
    private long _sequence;
    private FeedSubscription[] _clients = [];
    private long _slowClientsDropped;
    private TaskCompletionSource _published = NewSignal();
    private int _armed;

    public LiveFeed(IOptions<LiveFeedOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        _ring = new FeedFrame?[Options.ReplayCapacity];
        _time = time;
        Epoch = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    }

    public LiveFeedOptions Options { get; }

    /// <summary>Names this run of the feed; ids from another epoch cannot be resumed.</summary>
    public string Epoch { get; }

    /// <summary>The last sequence number published (0 before the first event).</summary>
    public long Sequence => Volatile.Read(ref _sequence);

    public int Clients => Volatile.Read(ref _clients).Length;

    /// <summary>Clients dropped because they fell further behind live than the ring holds.</summary>
    public long SlowClientsDropped => Interlocked.Read(ref _slowClientsDropped);

    /// <summary>
    /// Publishes one event. <paramref name="commit"/> runs under the feed's lock with the sequence the
    /// event will get: it applies the change to the model and returns the payload's JSON, or null to
    /// publish nothing (the sequence is then not used). Never waits for a client.
    /// </summary>
    public long Publish(string type, Func<long, byte[]?> commit)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(commit);
        lock (_gate)
        {
            var next = _sequence + 1;
            var payload = commit(next);
            if (payload is null)
            {
                return 0;
            }

            // The slot first, then the sequence that makes it readable; the exchange is the fence
            // between writing the sequence and reading _armed (see the remarks).
            Volatile.Write(ref _ring[next % _ring.Length], FeedFrame.Create(Epoch, next, type, payload, _time.GetUtcNow()));
            Interlocked.Exchange(ref _sequence, next);
            if (Volatile.Read(ref _armed) != 0)
            {
                Wake();
            }

            return next;
        }
    }

    /// <summary>Reads (or changes without an event) the state kept with the feed, under its lock, given the last sequence.</summary>
    public T Read<T>(Func<long, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_gate)
        {
            return read(_sequence);
        }
    }

    /// <summary>
    /// Subscribes from a position: the events after it are read from the ring, replayed ones and live
    /// ones alike, with nothing lost or repeated in between. Null: live from now. A position the feed
    /// cannot resume from gives a subscription holding only <see cref="FeedSubscription.Resync"/>.
    /// </summary>
    public FeedSubscription Subscribe(FeedPosition? after)
    {
        lock (_gate)
        {
            var start = _sequence;
            if (after is { } position)
            {
                var oldest = Math.Max(1, _sequence - _ring.Length + 1);
                ResyncReason? reason = position.Epoch != Epoch ? ResyncReason.Restarted
                    : position.Sequence > _sequence || position.Sequence < 0 ? ResyncReason.Unknown
                    : position.Sequence < oldest - 1 ? ResyncReason.Behind
                    : null;
                if (reason is { } resync)
                {
                    return FeedSubscription.ForResync(this, resync);
                }

                start = position.Sequence;
            }

            var subscription = new FeedSubscription(this, start);
            _clients = [.. _clients, subscription];
            return subscription;
        }
    }

    /// <summary>
    /// Ends every client's stream once it has read what is published now (they reconnect and resume);
    /// used at shutdown, and by tests to cut connections.
    /// </summary>
    public int DisconnectAll()
    {
        lock (_gate)
        {
            var clients = _clients;
            _clients = [];
            foreach (var client in clients)
            {
                client.Close(_sequence);
            }

            Wake();
            return clients.Length;
        }
    }

    /// <summary>
    /// The frame in the slot <paramref name="sequence"/> maps to, for a sequence already published:
    /// that event, or a later one if the ring has gone round since.
    /// </summary>
    internal FeedFrame Slot(long sequence) => Volatile.Read(ref _ring[sequence % _ring.Length])!;

    /// <summary>
    /// Completes when <paramref name="subscription"/> may have something to read or has been closed; at
    /// once if it already has. It may complete with nothing new (the reader looks again).
    /// </summary>
    internal Task WhenReadable(FeedSubscription subscription)
    {
        var signal = Volatile.Read(ref _published);
        Interlocked.Exchange(ref _armed, 1);
        return subscription.CanRead || subscription.Ended ? Task.CompletedTask : signal.Task;
    }

    internal void Drop(FeedSubscription subscription)
    {
        Interlocked.Increment(ref _slowClientsDropped);
        Remove(subscription);
    }

    internal void Remove(FeedSubscription subscription)
    {
        lock (_gate)
        {
            if (Array.IndexOf(_clients, subscription) >= 0)
            {
                _clients = [.. _clients.Where(c => !ReferenceEquals(c, subscription))];
            }
        }
    }

    /// <summary>Under the lock: wakes every reader waiting on the current signal.</summary>
    private void Wake()
    {
        Volatile.Write(ref _armed, 0);
        var fired = _published;
        Volatile.Write(ref _published, NewSignal());
        ThreadPool.UnsafeQueueUserWorkItem(static signal => signal.TrySetResult(), fired, preferLocal: false);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
