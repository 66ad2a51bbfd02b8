using Venue.Runtime;

namespace Venue.Domain.Reconciliation;

/// <summary>
/// Central's view of one attendee (key: attendee id), built from every edge's passages. Its turns
/// serialize concurrent uploads that touch the same attendee.
/// </summary>
[GrainType("attendee-history")]
public interface IAttendeeHistoryGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds passages (duplicates are ignored) and says how the attendee's standing changed. With
    /// <paramref name="storeConflicts"/> false (a rebuild that has not read every passage yet) a change
    /// of conflicts is left pending (<see cref="HistoryChange.ConflictsPending"/>) for <see cref="StoreConflictsAsync"/>.
    /// </summary>
    Task<HistoryChange> ApplyAsync(IReadOnlyList<Passage> passages, bool storeConflicts = true);

    /// <summary>Makes the stored conflicts of this attendee match its history (after a rebuild) and returns those newly stored.</summary>
    Task<IReadOnlyList<Central.Conflict>> StoreConflictsAsync();

    [ReadOnly]
    Task<HistoryVerdict> GetVerdictAsync();
}

/// <summary>
/// What one <see cref="IAttendeeHistoryGrain.ApplyAsync"/> changed: standing before and after, passages
/// added, conflicts newly raised, and <see cref="ConflictStoreFailure"/> when the conflicts could not be
/// stored (the standing changed all the same).
/// </summary>
public sealed record HistoryChange(bool WasInside, bool IsInside, bool WasAdmitted, bool IsAdmitted, int Added, IReadOnlyList<Central.Conflict> Raised,
    Exception? ConflictStoreFailure = null, bool ConflictsPending = false);
