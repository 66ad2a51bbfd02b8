using Venue.Domain.Journal;

namespace Venue.Domain.Central;

/// <summary>Every edge's journal, stored once per (edge id, sequence).</summary>
public interface ICheckInStore
{
    /// <summary>
    /// Stores the entries not already held (idempotent by edge id and sequence) in one transaction,
    /// gives each new one the next feed id in commit order, marks as late those received more than
    /// <paramref name="lateAfter"/> after they happened, and advances the edge's contiguous sequence.
    /// Entries may come in any order and with gaps.
    /// </summary>
    Task<IngestResult> IngestAsync(
        string edgeId,
        IReadOnlyList<JournalEntry> entries,
        DateTimeOffset receivedAt,
        TimeSpan lateAfter,
        CancellationToken cancellationToken = default);

    /// <summary>The highest sequence up to which every entry of the edge is held (0: none).</summary>
    Task<long> GetContiguousSequenceAsync(string edgeId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The entry of the edge's journal held at <paramref name="sequence"/>; null when none is. An edge
    /// compares it with its own entry there to tell its journal from another that used the same edge id.
    /// </summary>
    Task<StoredCheckIn?> GetCheckInAsync(string edgeId, long sequence, CancellationToken cancellationToken = default);

    /// <summary>The entry stored with feed id <paramref name="feedId"/>; null when none is.</summary>
    Task<StoredCheckIn?> GetCheckInByFeedIdAsync(long feedId, CancellationToken cancellationToken = default);

    /// <summary>A page of entries after a feed id, in feed order; <paramref name="passagesOnly"/> keeps what says where an attendee is: admissions, exits, and exits refused as not_inside (<see cref="CheckIn.ScanReasons.IsPresenceEvidence"/>).</summary>
    Task<IReadOnlyList<StoredCheckIn>> ReadCheckInsAsync(long afterFeedId, int limit, bool passagesOnly, CancellationToken cancellationToken = default);

    /// <summary>Streams entries after a feed id in feed order without loading them all (exports, rebuilds).</summary>
    IAsyncEnumerable<StoredCheckIn> StreamCheckInsAsync(long afterFeedId, bool passagesOnly, CancellationToken cancellationToken = default);

    /// <summary>The highest feed id stored (0: none).</summary>
    Task<long> GetLastFeedIdAsync(CancellationToken cancellationToken = default);

    Task<CheckInTotals> GetTotalsAsync(CancellationToken cancellationToken = default);
}
