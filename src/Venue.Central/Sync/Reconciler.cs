using System.Text.Json;
using Venue.Central.Webhooks;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Reconciliation;
using Venue.Runtime;

namespace Venue.Central.Sync;

/// <summary>
/// Applies stored check-ins to the attendees' history grains, in hybrid-logical-clock order within
/// each upload, keeps the live counts (inside, admitted at least once) and has the conflicts raised
/// stored with their webhook events. Counting is by change of standing, so an attendee admitted at two edges counts once.
/// Applying is idempotent, which is what makes repair simple: when an upload failed after its
/// transaction may have committed (or a conflict could not be stored), the reconciler is marked
/// dirty and the next upload first replays every stored passage.
/// </summary>
/// <param name="singleEntry">Whether a ticket type (by name) allows one entry only: a second admission of such a badge at another edge is a conflict even after an exit.</param>
public sealed class Reconciler(IGrainFactory grains, WebhookOutbox outbox, ICheckInStore store, Func<string?, bool> singleEntry)
{
    private readonly SemaphoreSlim _repair = new(1, 1);
    private int _dirty;
    private long _inside;
    private long _admitted;
    private long _conflictsRaised;

    public long Inside => Interlocked.Read(ref _inside);

    public long Admitted => Interlocked.Read(ref _admitted);

    /// <summary>Conflicts raised since this central started (the store holds the total).</summary>
    public long ConflictsRaised => Interlocked.Read(ref _conflictsRaised);

    /// <summary>
    /// Applies check-ins and returns the conflicts newly stored (their webhook events queued with them). With <paramref name="pendingConflicts"/>
    /// (central's start, replaying page by page) conflicts are not stored yet: the attendees whose
    /// conflicts changed are added to it, for <see cref="StorePendingConflictsAsync"/> once every page is in.
    /// </summary>
    public async Task<IReadOnlyList<Conflict>> ApplyAsync(IReadOnlyList<StoredCheckIn> checkIns, CancellationToken cancellationToken = default,
        ISet<string>? pendingConflicts = null)
    {
        var byAttendee = new Dictionary<string, List<Passage>>(StringComparer.Ordinal);
        foreach (var c in checkIns)
        {
            // An empty id is refused at upload; one stored before that check must not stop every later apply and the start's rebuild.
            if (!c.Entry.Reason.IsPresenceEvidence() || c.Entry.AttendeeId is not { Length: > 0 } attendee)
            {
                continue;
            }

            if (!byAttendee.TryGetValue(attendee, out var list))
            {
                byAttendee[attendee] = list = [];
            }

            list.Add(new Passage(c.EdgeId, c.Entry.Sequence, c.Entry.Hlc, c.Entry.GateId, c.Entry.Reason, c.Entry.At) { SingleEntry = singleEntry(c.Entry.TicketType) });
        }

        if (byAttendee.Count == 0)
        {
            return [];
        }

        var calls = new Task<HistoryChange>[byAttendee.Count];
        var attendees = new string[byAttendee.Count];
        var i = 0;
        foreach (var (attendee, passages) in byAttendee)
        {
            passages.Sort();
            attendees[i] = attendee;
            calls[i++] = grains.GetGrain<IAttendeeHistoryGrain>(attendee).ApplyAsync(passages, storeConflicts: pendingConflicts is null);
        }

        try
        {
            await Task.WhenAll(calls);
        }
        catch (Exception)
        {
            // Told below, after counting what the other calls changed.
        }

        List<Conflict>? raised = null;
        Exception? failure = null;
        Exception? callFailure = null;
        for (i = 0; i < calls.Length; i++)
        {
            if (!calls[i].IsCompletedSuccessfully)
            {
                // The calls that went through are counted all the same: the repair this calls for
                // replays every passage, and counts only changes of standing, which those made already.
                callFailure ??= calls[i].Exception?.InnerException ?? new OperationCanceledException($"Applying the passages of '{attendees[i]}' was cancelled.");
                continue;
            }

            var change = calls[i].Result;
            if (change.ConflictsPending)
            {
                pendingConflicts?.Add(attendees[i]);
            }

            Count(change.WasInside, change.IsInside, ref _inside);
            Count(change.WasAdmitted, change.IsAdmitted, ref _admitted);
            failure ??= change.ConflictStoreFailure;
            if (change.Raised.Count > 0)
            {
                (raised ??= []).AddRange(change.Raised);
            }
        }

        Raised(raised);
        if (callFailure is not null)
        {
            MarkDirty();
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(callFailure);
        }

        if (failure is not null)
        {
            MarkDirty();
            throw new InvalidOperationException("Conflicts could not be stored; they are retried before the next upload is taken.", failure);
        }

        return raised ?? [];
    }

    /// <summary>
    /// Stores the conflicts of each attendee named (their whole history is in by now), with the webhook
    /// events of those newly stored; stored conflicts that still stand keep their ids, and raise nothing again.
    /// </summary>
    public async Task<IReadOnlyList<Conflict>> StorePendingConflictsAsync(IEnumerable<string> attendees, CancellationToken cancellationToken = default)
    {
        List<Conflict>? raised = null;
        foreach (var attendee in attendees)
        {
            var stored = await grains.GetGrain<IAttendeeHistoryGrain>(attendee).StoreConflictsAsync();
            if (stored.Count > 0)
            {
                (raised ??= []).AddRange(stored);
            }
        }

        Raised(raised);
        return raised ?? [];
    }

    /// <summary>Counts newly stored conflicts; their webhook events were queued with them (<see cref="ConflictEvent"/>).</summary>
    private void Raised(List<Conflict>? raised)
    {
        if (raised is null)
        {
            return;
        }

        Interlocked.Add(ref _conflictsRaised, raised.Count);
        outbox.Notify();
    }

    /// <summary>Says that stored check-ins may not all be reconciled (an upload failed part way).</summary>
    public void MarkDirty() => Volatile.Write(ref _dirty, 1);

    public bool IsDirty => Volatile.Read(ref _dirty) == 1;

    /// <summary>When dirty, replays every stored passage (idempotent) and returns the highest feed id seen; otherwise does nothing.</summary>
    public async Task<long?> RepairIfDirtyAsync(CancellationToken cancellationToken = default)
    {
        if (!IsDirty)
        {
            return null;
        }

        await _repair.WaitAsync(cancellationToken);
        try
        {
            if (!IsDirty)
            {
                return null;
            }

            // Cleared first: a failure during the replay marks it dirty again.
            Volatile.Write(ref _dirty, 0);
            long last = 0;
            var page = new List<StoredCheckIn>(10_000);
            await foreach (var checkIn in store.StreamCheckInsAsync(0, passagesOnly: true, cancellationToken))
            {
                page.Add(checkIn);
                last = Math.Max(last, checkIn.FeedId);
                if (page.Count == page.Capacity)
                {
                    await ApplyAsync(page, cancellationToken);
                    page.Clear();
                }
            }

            await ApplyAsync(page, cancellationToken);
            return Math.Max(last, await store.GetLastFeedIdAsync(cancellationToken));
        }
        catch
        {
            MarkDirty();
            throw;
        }
        finally
        {
            _repair.Release();
        }
    }

    private static void Count(bool before, bool after, ref long counter)
    {
        if (before != after)
        {
            Interlocked.Add(ref counter, after ? 1 : -1);
        }
    }

    /// <summary>The webhook event of a stored conflict, queued in the transaction that stores it.</summary>
    public static WebhookEvent ConflictEvent(Conflict c) => new(WebhookOutbox.ConflictRaised, JsonSerializer.Serialize(new
    {
        id = c.Id,
        attendeeId = c.AttendeeId,
        first = new { edge = c.First.EdgeId, gate = c.First.GateId, at = c.First.At, seq = c.First.Sequence },
        second = new { edge = c.Second.EdgeId, gate = c.Second.GateId, at = c.Second.At, seq = c.Second.Sequence },
        detectedAt = c.DetectedAt,
    }), c.DetectedAt);
}
