namespace Venue.Messaging.RabbitMq;

/// <summary>
/// What the reads consumer has done since it was made, for /healthz and the ops console. A snapshot:
/// take a new one to see more. <see cref="AckedReads"/> counts reads the sink made durable (new and
/// duplicates); <see cref="ClockAhead"/> reads the sink dropped, acknowledged all the same, because
/// their reader's clock was too far ahead (see the edge's <c>Readers:MaxClockAhead</c>); <see cref="Redelivered"/> deliveries the broker sent again (after a reconnect, a
/// failed ingest); <see cref="Reconnects"/> connections made after the first; <see cref="AtMostOnce"/>
/// messages taken in that their reader published at MQTT QoS 0 (the broker held them in memory only,
/// so a broker restart would have lost them), and <see cref="AtMostOnceReaders"/> which readers sent them.
/// </summary>
public sealed record ReaderQueueStats(
    bool Connected,
    long Delivered,
    long Redelivered,
    long AckedDeliveries,
    long AckedReads,
    long Duplicates,
    long IgnoredEvents,
    long ClockAhead,
    long IngestFailures,
    long Reconnects,
    IReadOnlyDictionary<DeadLetterReason, long> DeadLettered,
    DateTimeOffset? LastAckAt,
    string? LastError,
    long AtMostOnce,
    IReadOnlyList<string> AtMostOnceReaders)
{
    public long DeadLetteredTotal => DeadLettered.Values.Sum();

    /// <summary>One line for a log or a failing test, with the dead-letter reasons spelled out (a record would print the dictionary's type).</summary>
    public override string ToString()
    {
        var deadLettered = string.Join(", ", DeadLettered.Where(p => p.Value > 0).Select(p => $"{p.Key} {p.Value}"));
        return $"connected {Connected}, delivered {Delivered} (redelivered {Redelivered}), acked {AckedDeliveries} deliveries / {AckedReads} reads " +
            $"({Duplicates} duplicates, {IgnoredEvents} events ignored, {ClockAhead} dropped as clock ahead), dead-lettered {DeadLetteredTotal}{(deadLettered.Length > 0 ? $" ({deadLettered})" : "")}, " +
            $"ingest failures {IngestFailures}, reconnects {Reconnects}, QoS 0 messages {AtMostOnce}{(AtMostOnceReaders.Count > 0 ? $" ({string.Join(", ", AtMostOnceReaders)})" : "")}, last ack {LastAckAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture) ?? "never"}" +
            (LastError is null ? "" : $", last error: {LastError}");
    }
}
