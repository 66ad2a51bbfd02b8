using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Runtime;

namespace Venue.Domain.Attendees;

public sealed class AttendeeGrain(ICheckInJournal journal) : Grain<AttendeeState>, IAttendeeGrain
{
    public async Task<AttendeeScanOutcome> ScanAsync(AttendeeScan scan)
    {
        if (State.TryGetRecent(scan.GateId, scan.Nonce, out var first))
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
        State.Remember(result);
        await WriteStateAsync();
        return new AttendeeScanOutcome(result, Replayed: false);
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
            default:
                return;
        }

        state.LastGate = entry.GateId;
        state.LastPassageAt = entry.At;
    }
}
