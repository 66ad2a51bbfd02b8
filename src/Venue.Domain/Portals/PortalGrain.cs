using Venue.Domain.Layout;
using Venue.Domain.Readers;
using Venue.Domain.Telemetry;
using Venue.Domain.Zones;
using Venue.Runtime;
using Venue.Runtime.Streams;
using Venue.Runtime.Timers;

namespace Venue.Domain.Portals;

public sealed class PortalGrain(VenueLayout layout) : Grain<PortalState>, IPortalGrain
{
    private readonly List<DecidedPass> _decided = [];
    private PortalDefinition _portal = null!;
    private PassTracker _tracker = null!;
    private IAsyncStream<Movement> _movements = null!;
    private IGrainTimer? _idleSweep;
    private bool _idleSweepArmed;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!layout.TryGetPortal(Key, out _portal))
        {
            throw new UnknownPortalException(Key);
        }

        _tracker = State.Tracker ??= new PassTracker(_portal, layout.DebounceWindow, layout.DirectionWindow, layout.SimultaneityWindow);
        _movements = Streams.GetStream<Movement>(new StreamId(TelemetryStreams.Movements, Key));
        return Task.CompletedTask;
    }

    public async Task<PortalBatchResult> ObserveAsync(IReadOnlyList<JournaledRead> reads)
    {
        try
        {
            return await TakeInAsync(reads, replay: false);
        }
        finally
        {
            // Passes still open need the timer whether or not a decided one failed to apply.
            ArmIdleSweep();
        }
    }

    // No timer: the replay's own clock, not the wall clock, says when a pass has gone quiet (SweepIdleAsync).
    public Task<PortalBatchResult> ReplayAsync(IReadOnlyList<JournaledRead> reads) => TakeInAsync(reads, replay: true);

    public async Task<PortalBatchResult> SweepIdleAsync(DateTimeOffset now)
    {
        var before = Counts();
        _tracker.SweepIdle(now.UtcTicks, _decided);
        return Result(before, await ApplyDecidedAsync());
    }

    public async Task<PortalBatchResult> FlushAsync()
    {
        var before = Counts();
        _tracker.Flush(_decided);
        var movements = await ApplyDecidedAsync();
        return Result(before, movements);
    }

    private async Task<PortalBatchResult> TakeInAsync(IReadOnlyList<JournaledRead> reads, bool replay)
    {
        ArgumentNullException.ThrowIfNull(reads);
        var before = Counts();
        // When the portal heard the read: live, now (a batch held up between journal and routing must
        // not let the timer end a pass its later reads are still on the way to); in a replay, when the
        // edge journaled it, the nearest the journal holds to when it was routed live.
        var now = Time.GetUtcNow().UtcTicks;
        for (var i = 0; i < reads.Count; i++)
        {
            _tracker.Observe(reads[i].Read, replay ? reads[i].ReceivedAt.UtcTicks : now, _decided);
        }

        return Result(before, await ApplyDecidedAsync());
    }

    public Task<PortalStatus> GetStatusAsync() => Task.FromResult(new PortalStatus(
        Key, _portal.Name, _tracker.Reads, _tracker.Absorbed, _tracker.Passes, State.MovementsIn, State.MovementsOut,
        _tracker.SingleAntenna, State.SingleAntennaIgnored, _tracker.Undecided, State.AlreadyThere, State.OutOfOrder,
        State.NotAdmitted, _tracker.Late, _tracker.Misrouted, _tracker.UnknownTags, _tracker.PendingCount, _tracker.LastReadAt, State.MoveFailures));

    /// <summary>
    /// Moves each decided pass's attendee, in decision order, and publishes the movements that happened.
    /// A pass whose move fails is counted and the rest still move; the failures are thrown together at the end.
    /// </summary>
    private async Task<int> ApplyDecidedAsync()
    {
        if (_decided.Count == 0)
        {
            return 0;
        }

        var moved = 0;
        var decided = _decided.Count;
        List<Exception>? failures = null;
        try
        {
            var now = Time.GetUtcNow();
            foreach (var pass in _decided)
            {
                // One attendee's failed move (a zone or a subscriber of its stream failing) must not cost the others theirs.
                try
                {
                    moved += await MoveAsync(pass, now) ? 1 : 0;
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    State.MoveFailures++;
                    (failures ??= []).Add(e);
                }
            }
        }
        finally
        {
            _decided.Clear();
            await WriteStateAsync();
        }

        return failures is null ? moved : throw new PortalMovesFailedException(Key, failures.Count, decided, moved, failures);
    }

    /// <summary>Moves one decided pass's attendee and counts the outcome; true when they moved.</summary>
    private async Task<bool> MoveAsync(DecidedPass pass, DateTimeOffset now)
    {
        var (from, to) = pass.Inward ? (_portal.OuterZone, _portal.InnerZone) : (_portal.InnerZone, _portal.OuterZone);
        var result = await GrainFactory.GetGrain<IAttendeeLocationGrain>(pass.AttendeeId)
            .MoveAsync(new Movement(pass.AttendeeId, from, to, Key, now, pass.CrossedAt) { DirectionUnknown = pass.Evidence == PassEvidence.SingleAntenna });
        if (!result.Admitted)
        {
            State.NotAdmitted++;
        }

        switch (result.Outcome)
        {
            case MoveOutcome.Moved:
                // Counted once published, so a pass whose publishing fails counts as failed only, not as both.
                await _movements.OnNextAsync(new Movement(pass.AttendeeId, result.FromZone, result.ToZone, Key, now, pass.CrossedAt));
                if (result.ToZone is not null && result.ToZone == _portal.InnerZone)
                {
                    State.MovementsIn++;
                }
                else
                {
                    State.MovementsOut++;
                }

                return true;
            case MoveOutcome.AlreadyThere when pass.Evidence == PassEvidence.SingleAntenna:
                State.SingleAntennaIgnored++;
                return false;
            case MoveOutcome.AlreadyThere:
                State.AlreadyThere++;
                return false;
            default:
                State.OutOfOrder++;
                return false;
        }
    }

    /// <summary>
    /// While passes are open, a timer decides those the edge has not heard for the direction window:
    /// the last person through a quiet doorway must not wait for somebody else's read.
    /// </summary>
    private void ArmIdleSweep()
    {
        if (_idleSweepArmed || _tracker.PendingCount == 0)
        {
            return;
        }

        var period = TimeSpan.FromTicks(Math.Max(layout.DirectionWindow.Ticks / 4, TimeSpan.TicksPerMillisecond * 100));
        if (_idleSweep is null)
        {
            _idleSweep = RegisterGrainTimer(SweepIdleAsync, layout.DirectionWindow, period);
        }
        else
        {
            _idleSweep.Change(layout.DirectionWindow, period);
        }

        _idleSweepArmed = true;
    }

    private async Task SweepIdleAsync(CancellationToken cancellationToken)
    {
        _tracker.SweepIdle(Time.GetUtcNow().UtcTicks, _decided);
        try
        {
            // A failed move is counted in State.MoveFailures and thrown: the runtime tells its TimerTickFailed listener (the edge counts and logs it).
            await ApplyDecidedAsync();
        }
        finally
        {
            if (_tracker.PendingCount == 0)
            {
                _idleSweep?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
                _idleSweepArmed = false;
            }
        }
    }

    private (long Reads, long Passes, long Absorbed) Counts() => (_tracker.Reads, _tracker.Passes, _tracker.Absorbed);

    private PortalBatchResult Result((long Reads, long Passes, long Absorbed) before, int movements)
    {
        var after = Counts();
        var reads = (int)(after.Reads - before.Reads);
        var passes = (int)(after.Passes - before.Passes);
        var absorbed = (int)(after.Absorbed - before.Absorbed);
        var idleDue = _tracker.IdleDue;
        return new PortalBatchResult(reads, passes, absorbed, movements, reads - passes - absorbed)
        {
            IdleDue = idleDue == long.MaxValue ? null : new DateTimeOffset(idleDue, TimeSpan.Zero),
        };
    }
}
