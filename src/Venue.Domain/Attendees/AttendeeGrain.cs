using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Runtime;

namespace Venue.Domain.Attendees;

public sealed class AttendeeGrain(ICheckInJournal journal) : Grain<AttendeeState>, IAttendeeGrain
{
    public async Task<AttendeeScanOutcome> ScanAsync(AttendeeScan scan)
    {
        if (State.TryGetRecent(scan.GateId, scan.Nonce, scan.Direction, out var first))
        {
            return new AttendeeScanOutcome(first, Replayed: true);
        }

        var reason = scan.Refusal ?? scan.Direction switch
        {
            ScanDirection.Entry when State.Inside => ScanReason.AlreadyInside,
            ScanDirection.Entry when State.Entries > 0 && !scan.ReentryAllowed => ScanReason.ReentryNotAllowed,
            ScanDirection.Entry => ScanReason.Admitted,
            _ when !State.Inside => ScanReason.NotInside,
            _ => ScanReason.Exited,
        };

        // Durable before anything changes: if the append throws, the attendee stays as they were.
        var entry = await journal.AppendAsync(new JournalEntry(scan.GateId, Key, scan.Direction, reason,
            scan.Nonce, scan.ScannedAt, Time.GetUtcNow()) { TicketType = scan.Attendee?.TicketType });
        var result = new ScanResult(reason.IsPassage(), reason, scan.Attendee, scan.GateId, entry.At, scan.Nonce, entry.Sequence);
        Apply(State, entry);
        State.Remember(scan.Direction, result);
        await WriteStateAsync();
        return new AttendeeScanOutcome(result, Replayed: false);
    }

    public async Task<RemoteOutcome> ApplyRemoteAsync(RemotePassage passage)
    {
        ArgumentNullException.ThrowIfNull(passage);
        var outcome = ApplyRemote(State, passage);
        if (outcome != RemoteOutcome.Ignored)
        {
            await WriteStateAsync();
        }

        return outcome;
    }

    public Task<AttendeePresence> GetPresenceAsync() =>
        Task.FromResult(new AttendeePresence(Key, State.Inside, State.Entries, State.Exits, State.LastGate, State.LastPassageAt));

    /// <summary>How a journaled scan changes an attendee's presence: used live and when replaying the journal.</summary>
    public static void Apply(AttendeeState state, JournalEntry entry)
    {
        switch (entry.Reason)
        {
            case ScanReason.Admitted:
                state.Inside = true;
                state.Entries++;
                break;
            case ScanReason.Exited:
                state.Inside = false;
                state.Exits++;
                break;
            case ScanReason.NotInside:
                // They walked out, as through any exit, though nothing here counted them in (nor counts them out).
                // Live they are outside already; in a restart's replay a remote exit is restored only after
                // the journal, so an admission replayed before this entry must not leave them inside.
                state.Inside = false;
                break;
            default:
                return;
        }

        state.LastGate = entry.GateId;
        state.LastPassageAt = entry.At;
        // Max, not assignment: on restart remote passages are restored after the whole journal (see RestoreRemote).
        state.LastPassageHlc = Math.Max(state.LastPassageHlc, entry.Hlc);
    }

    /// <summary>
    /// The live rule for a passage made at another edge: it applies only if newer (by HLC) than the
    /// latest passage this attendee has seen, local or remote; an older one lost the race to say where
    /// the attendee is. An older admission is still noted when nothing here has counted one: cut off,
    /// a day pass let in at north and out through south (refused there as not_inside) would otherwise
    /// get in again at south once the link healed, while north refuses it.
    /// </summary>
    public static RemoteOutcome ApplyRemote(AttendeeState state, RemotePassage passage)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(passage);
        if (!passage.Reason.IsPresenceEvidence())
        {
            return RemoteOutcome.Ignored;
        }

        if (passage.Hlc <= state.LastPassageHlc)
        {
            return NoteAdmission(state, passage) ? RemoteOutcome.NotedAdmission : RemoteOutcome.Ignored;
        }

        Count(state, passage);
        Move(state, passage);
        return RemoteOutcome.Applied;
    }

    /// <summary>
    /// Restores, after the journal replay, an older admission that <see cref="ApplyRemote"/> noted
    /// before a restart: nobody moves, and the count goes up by the one it added live. A note is
    /// stored only when it raised the count (from nothing to one), and local admissions after it
    /// are in the journal replayed before this, so adding one gives the live count whatever came after.
    /// </summary>
    public static void RestoreNotedAdmission(AttendeeState state, RemotePassage passage)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(passage);
        if (passage.Reason == ScanReason.Admitted)
        {
            state.Entries++;
        }
    }

    private static bool NoteAdmission(AttendeeState state, RemotePassage passage)
    {
        if (passage.Reason != ScanReason.Admitted || state.Entries > 0)
        {
            return false;
        }

        state.Entries = 1;
        return true;
    }

    /// <summary>
    /// Restores, after the journal replay, a remote passage that <see cref="ApplyRemote"/> applied
    /// before a restart. Live, applied passages (local and remote) arrive in HLC order, because the
    /// journal's clock observes every remote passage before it is applied; so replaying the local
    /// ones first and then these gives the same state: each counts, and the newest decides where
    /// the attendee is.
    /// </summary>
    public static void RestoreRemote(AttendeeState state, RemotePassage passage)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(passage);
        if (!passage.Reason.IsPresenceEvidence())
        {
            return;
        }

        Count(state, passage);
        if (passage.Hlc > state.LastPassageHlc)
        {
            Move(state, passage);
        }
    }

    private static void Count(AttendeeState state, RemotePassage passage)
    {
        if (passage.Reason == ScanReason.Admitted)
        {
            state.Entries++;
        }
        else if (passage.Reason == ScanReason.Exited)
        {
            state.Exits++;
        }
    }

    private static void Move(AttendeeState state, RemotePassage passage)
    {
        state.Inside = passage.Reason == ScanReason.Admitted;
        state.LastGate = passage.GateId;
        state.LastPassageAt = passage.At;
        state.LastPassageHlc = passage.Hlc;
    }
}
