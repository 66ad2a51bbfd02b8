using Venue.Domain.Central;

namespace Venue.Central.Silo;

/// <summary>
/// The event at a glance, as central sees it: attendees registered, people inside and admitted at
/// least once (each counted once however many edges admitted them), conflicts, and check-in totals.
/// <see cref="FeedId"/> is the change feed's position: the feed id of the last check-in stored.
/// </summary>
public sealed record EventStats(
    string EventId,
    long Registered,
    long LedgerVersion,
    long FeedId,
    long Inside,
    long Admitted,
    long Conflicts,
    CheckInTotals CheckIns,
    IReadOnlyList<SiloRecord> Silos,
    DateTimeOffset At);
