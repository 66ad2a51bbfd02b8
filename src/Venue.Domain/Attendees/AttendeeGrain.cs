using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Runtime;

namespace Venue.Domain.Attendees;

public sealed class AttendeeGrain(ICheckInJournal journal) : Grain<AttendeeState>, IAttendeeGrain
{
    public async Task<ScanResult> PassAsync(PassageRequest request)
    {
        var reason = request.Direction switch
        {
            ScanDirection.Entry when State.Inside => ScanReason.AlreadyInside,
            ScanDirection.Entry when State.Entries > 0 && !request.ReentryAllowed => ScanReason.ReentryNotAllowed,
            ScanDirection.Entry => ScanReason.Admitted,
            _ when !State.Inside => ScanReason.NotInside,
            _ => ScanReason.Exited,
        };

        var now = Time.GetUtcNow();
        // Durable before anything changes: if the append throws, the attendee stays as they were.
        var entry = await journal.AppendAsync(new JournalEntry(request.GateId, Key, request.Direction, reason,
            request.Nonce, request.ScannedAt, now));

        if (reason.IsPassage())
        {
            Apply(State, entry);
            await WriteStateAsync();
        }

        return new ScanResult(reason.IsPassage(), reason, request.Attendee, request.GateId, entry.At, request.Nonce, entry.Sequence);
    }

    public Task<AttendeePresence> GetPresenceAsync() =>
        Task.FromResult(new AttendeePresence(Key, State.Inside, State.Entries, State.Exits, State.LastGate, State.LastPassageAt));

    /// <summary>How a journaled passage changes an attendee: used live and when replaying the journal.</summary>
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
