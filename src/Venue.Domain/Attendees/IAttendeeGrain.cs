using Venue.Domain.CheckIn;
using Venue.Runtime;

namespace Venue.Domain.Attendees;

[GrainType("attendee")]
public interface IAttendeeGrain : IGrainWithStringKey
{
    /// <summary>
    /// Check-and-mark: admits once, refuses a second entry, lets out only who is inside. The answer
    /// comes after the journal entry is durable; turns are serialized, so two gates scanning one badge
    /// at the same instant get exactly one admission.
    /// </summary>
    Task<ScanResult> PassAsync(PassageRequest request);

    [ReadOnly]
    Task<AttendeePresence> GetPresenceAsync();
}
