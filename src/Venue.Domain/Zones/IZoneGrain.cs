using Venue.Runtime;

namespace Venue.Domain.Zones;

/// <summary>
/// A zone of the layout, keyed by zone id: who is inside, occupancy against capacity with alert
/// levels, a per-minute series, dwell times and session attendance. Only an attendee's
/// <see cref="IAttendeeLocationGrain"/> calls <see cref="EnterAsync"/> and <see cref="LeaveAsync"/>,
/// which keeps every attendee in one zone at a time.
/// </summary>
[GrainType("zone")]
public interface IZoneGrain : IGrainWithStringKey
{
    /// <summary>
    /// The attendee is now inside, since <paramref name="at"/> (the movement's read time). Entering
    /// a zone one is already in changes nothing. <paramref name="admitted"/> false counts a
    /// not-admitted entry (a badge inside that no gate admitted: tailgating, or a lost exit scan).
    /// </summary>
    Task EnterAsync(string attendeeId, DateTimeOffset at, bool admitted);

    /// <summary>The attendee has left at <paramref name="at"/>. Leaving a zone one is not in changes nothing, so occupancy never goes negative.</summary>
    Task LeaveAsync(string attendeeId, DateTimeOffset at);

    [ReadOnly]
    Task<ZoneStatus> GetStatusAsync();

    /// <summary>Up to <paramref name="limit"/> of the attendees inside, longest inside first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<ZoneOccupant>> GetOccupantsAsync(int limit);
}
