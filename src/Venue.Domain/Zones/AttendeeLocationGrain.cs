using Venue.Domain.Layout;
using Venue.Domain.Telemetry;
using Venue.Runtime;
using Venue.Runtime.Streams;

namespace Venue.Domain.Zones;

public sealed class AttendeeLocationGrain(VenueLayout layout) : Grain<AttendeeLocationState>, IAttendeeLocationGrain
{
    public Task<MoveResult> MoveAsync(Movement movement)
    {
        ArgumentNullException.ThrowIfNull(movement);
        var target = KnownZoneOrNull(movement.ToZone);
        // A crossing of unknown direction towards the side they are already on went the other way.
        if (movement.DirectionUnknown && State.Zone is not null && State.Zone == target)
        {
            target = KnownZoneOrNull(movement.FromZone);
        }

        return MoveToAsync(target, movement.ReadAt);
    }

    public async Task<MoveResult> GateAsync(string gateId, string? zone, bool admitted, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(gateId);
        // Admission follows the latest gate passage even when a reader's clock put a portal move after it.
        if (State.LastGateAt is null || at >= State.LastGateAt)
        {
            State.Admitted = admitted;
            State.LastGateAt = at;
        }

        var target = admitted ? (KnownZoneOrNull(zone) ?? State.Zone) : null;
        var result = await MoveToAsync(target, at);
        if (result.Outcome != MoveOutcome.Moved)
        {
            await WriteStateAsync(); // the admission may have changed all the same
        }
        else
        {
            await Streams.GetStream<Movement>(new StreamId(TelemetryStreams.Movements, gateId))
                .OnNextAsync(new Movement(Key, result.FromZone, result.ToZone, gateId, Time.GetUtcNow(), at));
        }

        return result;
    }

    public Task<AttendeeLocation> GetLocationAsync() =>
        Task.FromResult(new AttendeeLocation(Key, State.Zone, State.Since, State.LastMovedAt, State.Admitted, State.Moves));

    private async Task<MoveResult> MoveToAsync(string? target, DateTimeOffset at)
    {
        var from = State.Zone;
        if (State.LastMovedAt is { } last && at < last)
        {
            return new MoveResult(MoveOutcome.OutOfOrder, from, from, State.Admitted);
        }

        if (target == from)
        {
            return new MoveResult(MoveOutcome.AlreadyThere, from, from, State.Admitted);
        }

        // Leave first: the attendee is never counted in two zones, and leaves only where we believe they are.
        if (from is not null)
        {
            await GrainFactory.GetGrain<IZoneGrain>(from).LeaveAsync(Key, at);
        }

        if (target is not null)
        {
            await GrainFactory.GetGrain<IZoneGrain>(target).EnterAsync(Key, at, State.Admitted);
        }

        State.Zone = target;
        State.Since = at;
        State.LastMovedAt = at;
        State.Moves++;
        await WriteStateAsync();
        return new MoveResult(MoveOutcome.Moved, from, target, State.Admitted);
    }

    private string? KnownZoneOrNull(string? zone) => zone is not null && layout.TryGetZone(zone, out _) ? zone : null;
}
