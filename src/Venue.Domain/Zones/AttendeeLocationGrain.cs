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
        return StepAsync(new LocationStep(movement.ReadAt, KnownZoneOrNull(movement.FromZone), KnownZoneOrNull(movement.ToZone), movement.DirectionUnknown));
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

        // An admission through a gate whose zone is not in the layout leaves the attendee where we believe they are.
        var result = admitted && KnownZoneOrNull(zone) is null
            ? new MoveResult(MoveOutcome.AlreadyThere, State.Zone, State.Zone, State.Admitted)
            : await StepAsync(new LocationStep(at, null, admitted ? KnownZoneOrNull(zone) : null, DirectionUnknown: false));
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

    /// <summary>
    /// Applies a move in read-time order. A move older than the latest goes into its place among the
    /// remembered ones and the zone is worked out again from there (only one-antenna crossings can
    /// come out differently); older than all of them, it is out of order and changes nothing.
    /// </summary>
    private async Task<MoveResult> StepAsync(LocationStep step)
    {
        var from = State.Zone;
        var steps = State.Steps;
        // Late means older than the newest move asked for, whether or not that one moved anybody.
        var newest = steps.Count > 0 ? steps[^1].At : State.LastMovedAt;
        if (newest is { } last && step.At < last)
        {
            if (steps.Count == 0 || step.At < steps[0].At)
            {
                return new MoveResult(MoveOutcome.OutOfOrder, from, from, State.Admitted);
            }

            var at = steps.FindLastIndex(s => s.At <= step.At) + 1;
            steps.Insert(at, step);
            Trim();
            var zone = State.ZoneBeforeSteps;
            foreach (var s in steps)
            {
                zone = s.After(zone);
            }

            // The late move itself is history; only a zone that now comes out differently moves anyone.
            return zone == from ? new MoveResult(MoveOutcome.OutOfOrder, from, from, State.Admitted) : await MoveToAsync(zone, State.LastMovedAt ?? last);
        }

        var target = step.After(from);
        steps.Add(step);
        Trim();
        return target == from ? new MoveResult(MoveOutcome.AlreadyThere, from, from, State.Admitted) : await MoveToAsync(target, step.At);
    }

    private void Trim()
    {
        while (State.Steps.Count > AttendeeLocationState.StepMemory)
        {
            State.ZoneBeforeSteps = State.Steps[0].After(State.ZoneBeforeSteps);
            State.Steps.RemoveAt(0);
        }
    }

    private async Task<MoveResult> MoveToAsync(string? target, DateTimeOffset at)
    {
        var from = State.Zone;

        // Leave first: the attendee is never counted in two zones, and leaves only where we believe they are.
        if (from is not null)
        {
            await GrainFactory.GetGrain<IZoneGrain>(from).LeaveAsync(Key, at);
        }

        // Left: from here the attendee is believed to be in the target, even if entering it fails part
        // way (a stream subscriber or a booth failing after the zone counted them). Enter and leave are
        // idempotent, so the next move leaves the target, a no-op if it never counted them, instead of
        // leaving the zone already left and counting them in two zones.
        State.Zone = target;
        State.Since = at;
        State.LastMovedAt = at;
        State.Moves++;
        try
        {
            if (target is not null)
            {
                await GrainFactory.GetGrain<IZoneGrain>(target).EnterAsync(Key, at, State.Admitted);
            }
        }
        finally
        {
            await WriteStateAsync();
        }

        return new MoveResult(MoveOutcome.Moved, from, target, State.Admitted);
    }

    private string? KnownZoneOrNull(string? zone) => zone is not null && layout.TryGetZone(zone, out _) ? zone : null;
}
