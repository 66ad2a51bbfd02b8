namespace Venue.Messaging.RabbitMq;

/// <summary>
/// What the reads consumer has done since it was made, for /healthz and the ops console. A snapshot:
/// take a new one to see more. <see cref="AckedReads"/> counts reads the sink made durable (new and
/// duplicates); <see cref="Redelivered"/> deliveries the broker sent again (after a reconnect, a
/// failed ingest); <see cref="Reconnects"/> connections made after the first.
/// </summary>
public sealed record ReaderQueueStats(
    bool Connected,
    long Delivered,
    long Redelivered,
    long AckedDeliveries,
    long AckedReads,
    long Duplicates,
    long IgnoredEvents,
    long IngestFailures,
    long Reconnects,
    IReadOnlyDictionary<DeadLetterReason, long> DeadLettered,
    DateTimeOffset? LastAckAt,
    string? LastError)
{
    public long DeadLetteredTotal => DeadLettered.Values.Sum();
}
