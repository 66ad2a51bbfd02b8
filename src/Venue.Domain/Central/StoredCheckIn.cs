using Venue.Domain.Journal;

namespace Venue.Domain.Central;

/// <summary>
/// A journal entry as central stores it, once per (edge id, sequence). <see cref="FeedId"/> is
/// central's own order of arrival (a cursor for exports and for the passage feed to other edges);
/// <see cref="Late"/> marks an entry uploaded long after it happened (typically during a partition).
/// </summary>
public sealed record StoredCheckIn(string EdgeId, JournalEntry Entry, long FeedId, DateTimeOffset ReceivedAt, bool Late);
