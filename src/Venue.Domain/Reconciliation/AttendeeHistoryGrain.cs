using Venue.Domain.Central;
using Venue.Runtime;

namespace Venue.Domain.Reconciliation;

/// <summary>
/// Keeps an attendee's <see cref="PassageHistory"/> and stores its conflicts. Central holds every
/// passage in its check-in table, so histories live in memory storage rebuilt from there on start,
/// as an edge rebuilds its grains from its journal; idle collection is harmless because the state
/// outlives the activation. Conflicts are written inside the turn, so two uploads touching one
/// attendee cannot store their conflict sets in the wrong order. <c>conflictEvent</c> makes each new
/// conflict's webhook event, queued in the transaction that stores the conflict.
/// </summary>
public sealed class AttendeeHistoryGrain(IConflictStore conflicts, Func<Conflict, WebhookEvent>? conflictEvent = null) : Grain<PassageHistory>, IAttendeeHistoryGrain
{
    public async Task<HistoryChange> ApplyAsync(IReadOnlyList<Passage> passages, bool storeConflicts = true)
    {
        var added = 0;
        foreach (var passage in passages)
        {
            if (State.Add(passage))
            {
                added++;
            }
        }

        var before = State.Verdict;
        var after = before;
        var counted = State.Counted;
        if (added > 0)
        {
            after = State.Fold(Key, Time.GetUtcNow());
            if (!before.Conflicts.Select(c => c.Key).SequenceEqual(after.Conflicts.Select(c => c.Key), StringComparer.Ordinal))
            {
                State.ConflictsStored = false;
            }

            await WriteStateAsync();
        }

        // A failed conflict write must not lose the change of standing the caller counts: it is reported
        // as pending and tried again by the next apply of this attendee (a repair replays them all).
        IReadOnlyList<Conflict> raised = [];
        if (!State.ConflictsStored && !storeConflicts)
        {
            // A partial history's conflicts are not the attendee's: storing them would delete stored
            // conflicts whose other passage is still unread, and raise them again under new ids.
            return Reported(new HistoryChange(counted.Inside, after.Inside, counted.Admitted, after.EverAdmitted, added, [], ConflictsPending: true));
        }

        if (!State.ConflictsStored)
        {
            try
            {
                raised = await conflicts.ReplaceConflictsAsync(Key, after.Conflicts, conflictEvent);
                State.ConflictsStored = true;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return Reported(new HistoryChange(counted.Inside, after.Inside, counted.Admitted, after.EverAdmitted, added, [], e));
            }
        }

        return Reported(new HistoryChange(counted.Inside, after.Inside, counted.Admitted, after.EverAdmitted, added, raised));
    }

    /// <summary>
    /// A change of standing is reported from what the caller last counted, not from the verdict before
    /// this apply: a turn that changed the history and then threw (a cancelled conflict write) reported
    /// nothing, and the repair's replay adds no passage, so only this keeps that change from being lost.
    /// </summary>
    private HistoryChange Reported(HistoryChange change)
    {
        State.Counted = (change.IsInside, change.IsAdmitted);
        return change;
    }

    public async Task<IReadOnlyList<Conflict>> StoreConflictsAsync()
    {
        var raised = await conflicts.ReplaceConflictsAsync(Key, State.Verdict.Conflicts, conflictEvent);
        State.ConflictsStored = true;
        return raised;
    }

    public Task<HistoryVerdict> GetVerdictAsync() => Task.FromResult(State.Verdict);
}
