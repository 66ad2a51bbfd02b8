using Venue.Domain.CheckIn;
using Venue.Runtime;

namespace Venue.Domain.Attendees;

[GrainType("attendee")]
public interface IAttendeeGrain : IGrainWithStringKey
{
    /// <summary>
    /// Check-and-mark: admits once, refuses a second entry, lets out only who is inside, and
    /// journals every scan of this badge. The answer comes after the journal entry is durable; turns
    /// are serialized, so two gates scanning one badge at the same instant get exactly one admission.
    /// A nonce this attendee has seen at that gate gets the first answer back and changes nothing.
    /// </summary>
    Task<AttendeeScanOutcome> ScanAsync(AttendeeScan scan);

    /// <summary>
    /// Takes in a passage made at another edge. Last writer wins by hybrid logical clock: a passage
    /// newer than this attendee's latest moves them (in or out) and is counted; an older one moves
    /// nobody, though an older admission still marks the badge as used (see <see cref="RemoteOutcome"/>).
    /// </summary>
    Task<RemoteOutcome> ApplyRemoteAsync(RemotePassage passage);

    [ReadOnly]
    Task<AttendeePresence> GetPresenceAsync();
}
