using Venue.Domain.Central;

namespace Venue.Central.Silo;

/// <summary>
/// The event at a glance, as central sees it: attendees registered, people inside and admitted at
/// least once (each counted once however many edges admitted them), conflicts, and check-in totals.
/// </summary>
public sealed record EventStats(
    string EventId,
    long Registered,
    long LedgerVersion,
    long Inside,
    long Admitted,
    long Conflicts,
    CheckInTotals CheckIns,
    IReadOnlyList<SiloRecord> Silos,
    DateTimeOffset At);
