using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Venue.OpsConsole.Feed;

/// <summary>
/// The live stream behind every console of one silo: one sequence over every event type, a bounded
/// replay buffer for clients that reconnect, and a bounded queue per client. Publishing never waits
/// for a client: a client whose queue is full is dropped and told to resync. Events are published
/// under one lock together with the change they describe (see <see cref="Publish"/>), so a snapshot
/// read under it (<see cref="Read{T}"/>) is exactly the state after its sequence number.
/// </summary>
public sealed class LiveFeed
{
    private readonly object _gate = new();
    private readonly FeedFrame?[] _ring;
    private readonly int _queueCapacity;
    private readonly TimeProvider _time;
    private long _sequence;
    private FeedSubscription[] _clients = [];
    private long _slowClientsDropped;

    public LiveFeed(IOptions<LiveFeedOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        _ring = new FeedFrame?[Options.ReplayCapacity];
        _queueCapacity = Options.ClientQueueCapacity;
        _time = time;
        Epoch = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
    }

    public LiveFeedOptions Options { get; }

    /// <summary>Names this run of the feed; ids from another epoch cannot be resumed.</summary>
    public string Epoch { get; }

    /// <summary>The last sequence number published (0 before the first event).</summary>
    public long Sequence => Interlocked.Read(ref _sequence);

    public int Clients => Volatile.Read(ref _clients).Length;

    /// <summary>Clients dropped because their queue overflowed.</summary>
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

            var frame = FeedFrame.Create(Epoch, next, type, payload, _time.GetUtcNow());
            _ring[next % _ring.Length] = frame;
            Interlocked.Exchange(ref _sequence, next);

            List<FeedSubscription>? slow = null;
            foreach (var client in _clients)
            {
                if (!client.Offer(frame))
                {
                    (slow ??= []).Add(client);
                }
            }

            if (slow is not null)
            {
                foreach (var client in slow)
                {
                    client.Drop();
                }

                _clients = [.. _clients.Except(slow)];
                Interlocked.Add(ref _slowClientsDropped, slow.Count);
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
    /// Subscribes from a position: the events after it come first (from the replay buffer), then live
    /// ones, with nothing lost or repeated in between. Null: live from now. A position the feed cannot
    /// resume from gives a subscription holding only <see cref="FeedSubscription.Resync"/>.
    /// </summary>
    public FeedSubscription Subscribe(FeedPosition? after)
    {
        lock (_gate)
        {
            var backlog = new List<FeedFrame>();
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

                for (var seq = position.Sequence + 1; seq <= _sequence; seq++)
                {
                    backlog.Add(_ring[seq % _ring.Length]!);
                }
            }

            var subscription = new FeedSubscription(this, backlog, _queueCapacity);
            _clients = [.. _clients, subscription];
            return subscription;
        }
    }

    /// <summary>Ends every client's stream (they reconnect and resume); used at shutdown, and by tests to cut connections.</summary>
    public int DisconnectAll()
    {
        lock (_gate)
        {
            var clients = _clients;
            _clients = [];
            foreach (var client in clients)
            {
                client.Close();
            }

            return clients.Length;
        }
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
}
