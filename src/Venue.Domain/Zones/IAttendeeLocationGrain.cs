using Venue.Domain.Telemetry;
using Venue.Runtime;

namespace Venue.Domain.Zones;

/// <summary>
/// Which zone an attendee is in (one at most; none = outside or unknown), keyed by attendee id.
/// Kept apart from <see cref="Attendees.IAttendeeGrain"/> so RFID traffic never queues behind a
/// check-in's journal write. It is the only caller of the zones' enter and leave, and it leaves
/// only the zone it believes the attendee is in, so no zone's occupancy can go negative.
/// </summary>
[GrainType("attendee-location")]
public interface IAttendeeLocationGrain : IGrainWithStringKey
{
    /// <summary>
    /// Moves the attendee to <see cref="Movement.ToZone"/> (a portal's decision). The attendee
    /// leaves the zone we believe they are in, whatever <see cref="Movement.FromZone"/> says; a move
    /// to the zone they are in changes nothing; a move older (by <see cref="Movement.ReadAt"/>)
    /// than their latest move is out of order and changes nothing.
    /// </summary>
    Task<MoveResult> MoveAsync(Movement movement);

    /// <summary>
    /// A gate admitted (<paramref name="admitted"/> true) or let out the attendee at <paramref name="at"/>.
    /// Admission moves them into the gate's <paramref name="zone"/> (when it is a zone of the layout;
    /// otherwise they stay where we believe they are) and marks them admitted; exit moves them out of
    /// any zone and marks them not admitted. The move obeys the same ordering as <see cref="MoveAsync"/>.
    /// </summary>
    Task<MoveResult> GateAsync(string gateId, string? zone, bool admitted, DateTimeOffset at);

    [ReadOnly]
    Task<AttendeeLocation> GetLocationAsync();
}

/// <summary>What a move did, from the zone the attendee was actually in to the one they are in now.</summary>
public sealed record MoveResult(MoveOutcome Outcome, string? FromZone, string? ToZone, bool Admitted);

public enum MoveOutcome
{
    /// <summary>The attendee left <see cref="MoveResult.FromZone"/> and entered <see cref="MoveResult.ToZone"/>.</summary>
    Moved,

    /// <summary>They were already in the target zone: nothing changed.</summary>
    AlreadyThere,

    /// <summary>Older than their latest move: ignored.</summary>
    OutOfOrder,
}

/// <summary>Where an attendee is, since when, when they last moved (read time), and whether a gate admitted them.</summary>
public sealed record AttendeeLocation(string AttendeeId, string? Zone, DateTimeOffset? Since, DateTimeOffset? LastMovedAt, bool Admitted, long Moves);
