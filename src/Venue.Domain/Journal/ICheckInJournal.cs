namespace Venue.Domain.Journal;

/// <summary>The edge's append-only journal of scans: its truth and its outbox.</summary>
public interface ICheckInJournal
{
    /// <summary>
    /// Appends an entry and completes only once it is durable on disk, with the entry as stored
    /// (sequence and hybrid logical clock assigned). Concurrent appends share one disk sync.
    /// </summary>
    Task<JournalEntry> AppendAsync(JournalEntry entry, CancellationToken cancellationToken = default);
}
