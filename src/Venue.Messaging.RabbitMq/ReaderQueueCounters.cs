using System.Collections.Concurrent;

namespace Venue.Messaging.RabbitMq;

/// <summary>The consumer's counters, written from the delivery handler and the batch loop at once, read by <see cref="Snapshot"/>.</summary>
internal sealed class ReaderQueueCounters
{
    private readonly long[] _deadLettered = new long[Enum.GetValues<DeadLetterReason>().Length];
    private long _delivered;
    private long _redelivered;
    private long _ackedDeliveries;
    private long _ackedReads;
    private long _duplicates;
    private long _ignoredEvents;
    private long _clockAhead;
    private long _ingestFailures;
    private long _reconnects;
    private long _atMostOnce;
    private readonly ConcurrentDictionary<string, byte> _atMostOnceReaders = new(StringComparer.Ordinal);
    private long _lastAckTicks = -1;
    private int _connected;
    private string? _lastError;

    public void Delivered(bool redelivered)
    {
        Interlocked.Increment(ref _delivered);
        if (redelivered)
        {
            Interlocked.Increment(ref _redelivered);
        }
    }

    public void DeadLettered(DeadLetterReason reason) => Interlocked.Increment(ref _deadLettered[(int)reason]);

    public void Acked(int deliveries, int reads, int duplicates, int ignoredEvents, int clockAhead, DateTimeOffset at)
    {
        Interlocked.Add(ref _clockAhead, clockAhead);
        Interlocked.Add(ref _ackedDeliveries, deliveries);
        Interlocked.Add(ref _ackedReads, reads);
        Interlocked.Add(ref _duplicates, duplicates);
        Interlocked.Add(ref _ignoredEvents, ignoredEvents);
        Interlocked.Exchange(ref _lastAckTicks, at.UtcTicks);
    }

    /// <summary>Counts a message its reader published at QoS 0; true the first time that reader is seen doing so (up to <see cref="AtMostOnceReadersKept"/> readers).</summary>
    public bool AtMostOnce(string readerId)
    {
        Interlocked.Increment(ref _atMostOnce);
        return _atMostOnceReaders.Count < AtMostOnceReadersKept && _atMostOnceReaders.TryAdd(readerId, 0);
    }

    /// <summary>Readers named in <see cref="ReaderQueueStats.AtMostOnceReaders"/>: a layout's worth; a broker full of misconfigured readers is told by the count.</summary>
    public const int AtMostOnceReadersKept = 64;

    public void IngestFailed(string error)
    {
        Interlocked.Increment(ref _ingestFailures);
        _lastError = error;
    }

    public void Failed(string error) => _lastError = error;

    public void Reconnected() => Interlocked.Increment(ref _reconnects);

    public void SetConnected(bool connected) => Volatile.Write(ref _connected, connected ? 1 : 0);

    public ReaderQueueStats Snapshot()
    {
        var lastAck = Interlocked.Read(ref _lastAckTicks);
        return new ReaderQueueStats(
            Volatile.Read(ref _connected) == 1,
            Interlocked.Read(ref _delivered),
            Interlocked.Read(ref _redelivered),
            Interlocked.Read(ref _ackedDeliveries),
            Interlocked.Read(ref _ackedReads),
            Interlocked.Read(ref _duplicates),
            Interlocked.Read(ref _ignoredEvents),
            Interlocked.Read(ref _clockAhead),
            Interlocked.Read(ref _ingestFailures),
            Interlocked.Read(ref _reconnects),
            Enum.GetValues<DeadLetterReason>().ToDictionary(r => r, r => Interlocked.Read(ref _deadLettered[(int)r])),
            lastAck < 0 ? null : new DateTimeOffset(lastAck, TimeSpan.Zero),
            _lastError,
            Interlocked.Read(ref _atMostOnce),
            [.. _atMostOnceReaders.Keys.Order(StringComparer.Ordinal)]);
    }
}
