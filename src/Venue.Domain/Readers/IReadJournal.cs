namespace Venue.Domain.Readers;

/// <summary>
/// The edge's durable journal of RFID reads and the telemetry facts made from them (lead captures,
/// challenge points). Reads are deduplicated on (reader, event number, read time): appending a read already
/// held is harmless and reports it as a duplicate. A completed append is on disk (WAL,
/// <c>synchronous=FULL</c>), so a broker delivery may be acknowledged after it.
/// </summary>
public interface IReadJournal
{
    /// <summary>
    /// Appends a batch of reads in one transaction and completes once it is durable. The result
    /// lists, in batch order, the reads that were new (each with its journal sequence); reads already
    /// journaled (same reader, event number and read time) are left out and counted as duplicates.
    /// </summary>
    Task<ReadAppendResult> AppendReadsAsync(IReadOnlyList<TagRead> reads, CancellationToken cancellationToken = default);

    /// <summary>Appends a telemetry fact (a lead, challenge points) durably; returns it with its sequence assigned.</summary>
    Task<TelemetryFact> AppendFactAsync(TelemetryFact fact, CancellationToken cancellationToken = default);
}

/// <summary>A read as journaled: its sequence in the read journal (1, 2, 3, ...) and when the edge took it in.</summary>
public sealed record JournaledRead(long Sequence, TagRead Read, DateTimeOffset ReceivedAt);

/// <summary>What one append did: the new reads in batch order, and how many were already held.</summary>
public sealed record ReadAppendResult(IReadOnlyList<JournaledRead> Accepted, int Duplicates);

/// <summary>
/// A telemetry fact that is not a read: <see cref="Kind"/> says which; <see cref="Subject"/> is the
/// booth id (lead) or challenge id; <see cref="AttendeeId"/> who; <see cref="Payload"/> a small JSON
/// object with the kind's own fields (rating, notes, points). <see cref="Nonce"/> makes a retried
/// capture idempotent. <see cref="Sequence"/> is assigned by the journal.
/// </summary>
public sealed record TelemetryFact(TelemetryFactKind Kind, string Subject, string AttendeeId, string Nonce, DateTimeOffset At, string Payload)
{
    public long Sequence { get; init; }
}

/// <summary>Kinds of <see cref="TelemetryFact"/>. Stored as numbers: append, never renumber.</summary>
public enum TelemetryFactKind : byte
{
    /// <summary>A booth scanned an attendee's badge: a lead (one per attendee per booth).</summary>
    Lead = 0,
    /// <summary>An attendee completed a challenge and earns its points.</summary>
    Challenge = 1,
}
