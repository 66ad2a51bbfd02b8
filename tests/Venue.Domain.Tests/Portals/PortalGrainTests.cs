using Venue.Domain.Portals;
using Venue.Domain.Readers;
using Venue.Domain.Telemetry;
using Venue.Domain.Zones;

namespace Venue.Domain.Tests.Portals;

/// <summary>
/// Portal "lobby-hall-a": reader r1, outer antenna 3 (lobby side), inner antenna 4 (hall-a side).
/// Debounce 3 s, direction window 2 s, "at once" within 100 ms.
/// </summary>
public sealed class PortalGrainTests : IAsyncLifetime
{
    private const int Outer = 3;
    private const int Inner = 4;
    private static readonly DateTimeOffset T0 = TelemetryRig.Start;

    private readonly TelemetryRig _rig = new();
    private long _sequence;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private IPortalGrain Portal => _rig.Portal("lobby-hall-a");

    [Fact]
    public async Task Outer_then_inner_moves_the_attendee_into_the_inner_zone()
    {
        await _rig.AdmitAsync("A-1", "lobby", T0.AddMinutes(-1));

        var result = await ObserveAsync(Read("A-1", Outer, 0.0), Read("A-1", Inner, 0.4));

        Assert.Equal(1, result.Movements);
        Assert.Equal("hall-a", (await _rig.WhereAsync("A-1")).Zone);
        Assert.Equal(0, await _rig.OccupancyAsync("lobby"));
        Assert.Equal(1, await _rig.OccupancyAsync("hall-a"));
        var movement = Assert.Single(_rig.Movements.Items, m => m.Via == "lobby-hall-a");
        Assert.Equal(new Movement("A-1", "lobby", "hall-a", "lobby-hall-a", T0, T0.AddSeconds(0.4)), movement);
    }

    [Fact]
    public async Task Inner_then_outer_moves_the_attendee_out_to_the_outer_zone()
    {
        await _rig.MoveAsync("A-1", "lobby", "hall-a", T0.AddMinutes(-1));

        await ObserveAsync(Read("A-1", Inner, 0.0), Read("A-1", Outer, 0.5));

        Assert.Equal("lobby", (await _rig.WhereAsync("A-1")).Zone);
        var status = await Portal.GetStatusAsync();
        Assert.Equal((0, 1), (status.MovementsIn, status.MovementsOut));
    }

    [Fact]
    public async Task Many_reads_of_one_pass_make_one_movement()
    {
        var reads = new List<JournaledRead>();
        for (var i = 0; i < 20; i++)
        {
            reads.Add(Read("A-1", i < 8 ? Outer : Inner, i * 0.1, rssi: -70 + i));
        }

        var result = await ObserveAsync([.. reads]);
        var later = await ObserveAsync(Read("A-1", Inner, 2.5), Read("A-1", Outer, 3.0));

        Assert.Equal(new PortalBatchResult(20, 1, 19, 1, 0), result);
        Assert.Equal(new PortalBatchResult(2, 0, 2, 0, 0), later);
        Assert.Single(_rig.Movements.Items);
        var status = await Portal.GetStatusAsync();
        Assert.Equal((22, 1, 21), (status.Reads, status.Passes, status.Absorbed));
    }

    [Fact]
    public async Task A_tag_seen_only_by_the_inner_antenna_moves_the_attendee_inward_when_the_pass_ends()
    {
        await _rig.MoveAsync("A-1", null, "lobby", T0.AddMinutes(-1));

        await ObserveAsync(Read("A-1", Inner, 0.0), Read("A-1", Inner, 0.5));
        Assert.Equal("lobby", (await _rig.WhereAsync("A-1")).Zone); // the pass may still be seen by the outer antenna

        // Another badge read 2 s after A-1's last read: by read time, A-1's pass is over.
        await ObserveAsync(Read("B-2", Outer, 2.5));

        Assert.Equal("hall-a", (await _rig.WhereAsync("A-1")).Zone);
        var status = await Portal.GetStatusAsync();
        Assert.Equal(1, status.SingleAntenna);
        Assert.Equal(1, status.OpenPasses); // B-2's
    }

    [Fact]
    public async Task A_quiet_doorway_decides_its_last_one_antenna_pass_on_the_grain_timer()
    {
        await _rig.MoveAsync("A-1", null, "lobby", T0.AddMinutes(-1));
        await ObserveAsync(Read("A-1", Inner, 0.0));

        _rig.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, (await Portal.GetStatusAsync()).OpenPasses);
        _rig.Time.Advance(TimeSpan.FromSeconds(1.5));

        var status = await Portal.GetStatusAsync().WithTimeout("the portal's status after its idle sweep");
        Assert.Equal(0, status.OpenPasses);
        Assert.Equal("hall-a", (await _rig.WhereAsync("A-1")).Zone);
    }

    [Fact]
    public async Task A_replayed_pass_goes_quiet_by_the_journal_clock_and_not_by_the_wall_clock()
    {
        await _rig.MoveAsync("A-1", null, "lobby", T0.AddMinutes(-1));
        // Journaled at T0 + 0.4 s; the replay runs much later by the wall clock. Quiet two seconds (the direction window) after.
        var journaled = T0.AddMilliseconds(400);
        var quietAt = journaled + TimeSpan.FromSeconds(2);
        var replayed = await Portal.ReplayAsync([Read("A-1", Inner, 0.0) with { ReceivedAt = journaled }]).WithTimeout("the replayed read");
        Assert.Equal(quietAt, replayed.IdleDue);

        // No timer decides it: the next step of the journal may still be a read of this pass.
        _rig.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, (await Portal.GetStatusAsync().WithTimeout("the portal's status")).OpenPasses);

        var early = await Portal.SweepIdleAsync(quietAt.AddTicks(-1)).WithTimeout("a sweep before the pass went quiet");
        Assert.Equal((0, quietAt), (early.Movements, early.IdleDue));
        var quiet = await Portal.SweepIdleAsync(quietAt).WithTimeout("a sweep once it went quiet");
        Assert.Equal((1, (DateTimeOffset?)null), (quiet.Movements, quiet.IdleDue));
        Assert.Equal("hall-a", (await _rig.WhereAsync("A-1")).Zone);
    }

    [Fact]
    public async Task A_one_antenna_pass_seen_from_the_side_the_attendee_is_on_takes_them_across()
    {
        await _rig.MoveAsync("A-1", null, "lobby", T0.AddMinutes(-1));

        // Walking in, the body hid the badge from the inner antenna: only the outer one (lobby side) saw it.
        await ObserveAsync(Read("A-1", Outer, 0.0), Read("A-1", Outer, 0.3));
        await Portal.FlushAsync();

        var status = await Portal.GetStatusAsync();
        Assert.Equal((1, 0), (status.SingleAntenna, status.SingleAntennaIgnored));
        Assert.Equal((1, 0), (status.MovementsIn, status.MovementsOut));
        Assert.Equal("hall-a", (await _rig.WhereAsync("A-1")).Zone);
        Assert.Equal(0, (await _rig.ZoneStatusAsync("lobby")).Occupancy);
    }

    [Fact]
    public async Task A_late_move_is_put_in_its_place_and_a_one_antenna_crossing_after_it_judged_again()
    {
        await _rig.MoveAsync("A-1", null, "lobby", T0.AddMinutes(-10));

        // Seen at 0 s by the hall-side antenna only: from the lobby, that reads as a move into the hall.
        await ObserveAsync(Read("A-1", Inner, 0.0));
        await Portal.FlushAsync();
        Assert.Equal("hall-a", (await _rig.WhereAsync("A-1")).Zone);

        // Then another reader's late report: a minute before, the attendee had already walked into the
        // hall. The one-antenna crossing therefore went back out to the lobby.
        var late = await _rig.MoveAsync("A-1", "lobby", "hall-a", T0.AddMinutes(-1));

        Assert.Equal(MoveOutcome.Moved, late.Outcome);
        Assert.Equal("lobby", (await _rig.WhereAsync("A-1")).Zone);
        Assert.Equal((1, 0), (await _rig.OccupancyAsync("lobby"), await _rig.OccupancyAsync("hall-a")));
    }

    [Fact]
    public async Task A_one_antenna_pass_of_an_attendee_nobody_has_placed_moves_them_to_the_seeing_side()
    {
        await ObserveAsync(Read("A-1", Outer, 0.0));
        await Portal.FlushAsync();

        Assert.Equal("lobby", (await _rig.WhereAsync("A-1")).Zone);
        Assert.Equal(1, (await Portal.GetStatusAsync()).MovementsOut);
    }

    [Fact]
    public async Task When_both_antennas_see_the_tag_at_once_the_later_rssi_peak_is_the_side_walked_to()
    {
        await _rig.MoveAsync("A-1", "lobby", "hall-a", T0.AddMinutes(-1));

        // First sightings 50 ms apart, inner first; the outer signal keeps rising after the inner one peaked.
        await ObserveAsync(
            Read("A-1", Inner, 0.00, rssi: -55),
            Read("A-1", Outer, 0.05, rssi: -70),
            Read("A-1", Inner, 0.30, rssi: -65),
            Read("A-1", Outer, 0.60, rssi: -50),
            Read("A-1", Outer, 0.90, rssi: -58));
        await Portal.FlushAsync();

        Assert.Equal("lobby", (await _rig.WhereAsync("A-1")).Zone);
        Assert.Equal(1, (await Portal.GetStatusAsync()).MovementsOut);
    }

    [Fact]
    public async Task A_late_read_from_before_the_pass_does_not_reverse_a_decided_pass()
    {
        await ObserveAsync(Read("A-1", Outer, 10.0), Read("A-1", Inner, 10.5));

        // A reader's buffer delivers an inner read from 5 s before the pass began.
        var late = await ObserveAsync(Read("A-1", Inner, 5.0));

        Assert.Equal(new PortalBatchResult(1, 0, 0, 0, 1), late);
        Assert.Equal("hall-a", (await _rig.WhereAsync("A-1")).Zone);
        Assert.Equal(1, (await Portal.GetStatusAsync()).LateReads);
    }

    [Fact]
    public async Task An_earlier_read_arriving_late_still_counts_for_a_pass_that_is_open()
    {
        await _rig.MoveAsync("A-1", null, "lobby", T0.AddMinutes(-1));

        // The inner read arrives first, the outer one (half a second earlier) after it.
        await ObserveAsync(Read("A-1", Inner, 1.0), Read("A-1", Outer, 0.5));

        Assert.Equal("hall-a", (await _rig.WhereAsync("A-1")).Zone);
    }

    [Fact]
    public async Task A_pass_after_the_debounce_window_is_a_new_movement()
    {
        await ObserveAsync(Read("A-1", Outer, 0.0), Read("A-1", Inner, 0.5));
        await ObserveAsync(Read("A-1", Inner, 60.0), Read("A-1", Outer, 60.5));

        // A-1 was never seen in the lobby, so the first movement starts from nowhere.
        Assert.Equal([((string?)null, "hall-a"), ("hall-a", "lobby")], _rig.Movements.Items.Select(m => (m.FromZone, m.ToZone)));
        Assert.Equal(2, (await Portal.GetStatusAsync()).Passes);
    }

    [Fact]
    public async Task Tags_that_are_not_venue_badges_and_reads_of_other_antennas_are_counted_and_dropped()
    {
        var result = await ObserveAsync(
            new JournaledRead(++_sequence, new TagRead("r1", _sequence, "7EDA9038051002710002C0AE", Outer, -60, T0), T0),
            new JournaledRead(++_sequence, new TagRead("r1", _sequence, EpcCodec.Encode("A-1"), 1, -60, T0), T0));

        Assert.Equal(new PortalBatchResult(2, 0, 0, 0, 2), result);
        var status = await Portal.GetStatusAsync();
        Assert.Equal((1, 1), (status.UnknownTagReads, status.MisroutedReads));
    }

    [Fact]
    public async Task A_badge_no_gate_admitted_still_moves_and_is_counted_as_not_admitted()
    {
        await _rig.AdmitAsync("A-1", "lobby", T0.AddMinutes(-1));

        await ObserveAsync(Read("A-1", Outer, 0.0), Read("T-9", Outer, 0.1), Read("A-1", Inner, 0.5), Read("T-9", Inner, 0.6));

        Assert.Equal(2, await _rig.OccupancyAsync("hall-a"));
        Assert.Equal(1, (await _rig.ZoneStatusAsync("hall-a")).NotAdmittedEntries);
        Assert.Equal(1, (await Portal.GetStatusAsync()).NotAdmitted);
    }

    [Fact]
    public async Task Reads_are_routed_to_portals_by_reader_and_antenna()
    {
        var router = new PortalReadRouter(_rig.Layout, _rig.Runtime);

        var routed = await router.RouteAsync(
        [
            Read("A-1", 1, 0.0), Read("A-1", 2, 0.5), // front door: outside → lobby
            Read("A-1", Outer, 10.0), Read("A-1", Inner, 10.5),
            new JournaledRead(99, new TagRead("r9", 1, EpcCodec.Encode("A-1"), 1, -60, T0), T0),
        ]);

        Assert.Equal((4, 1, 2, 0), (routed.Routed, routed.Unrouted, routed.Movements, routed.Failures.Count));
        Assert.Equal("hall-a", (await _rig.WhereAsync("A-1")).Zone);
        Assert.Equal(0, await _rig.OccupancyAsync("lobby"));
    }

    [Fact]
    public async Task A_pass_whose_move_fails_is_counted_and_the_other_passes_of_the_call_still_move()
    {
        await _rig.AdmitAsync("A-1", "lobby", T0.AddMinutes(-1));
        await _rig.AdmitAsync("A-2", "lobby", T0.AddMinutes(-1));
        // A subscriber of hall-a's occupancy fails once: the first move into hall-a fails part way.
        using var failing = FailOnce("hall-a");

        var failed = await Assert.ThrowsAsync<PortalMovesFailedException>(() =>
            ObserveAsync(Read("A-1", Outer, 0.0), Read("A-2", Outer, 0.1), Read("A-1", Inner, 0.4), Read("A-2", Inner, 0.5)));

        Assert.Equal(("lobby-hall-a", 1), (failed.PortalId, failed.Failed));
        Assert.IsType<InvalidOperationException>(Assert.Single(failed.Flatten().InnerExceptions));
        Assert.Equal("hall-a", (await _rig.WhereAsync("A-2")).Zone);
        Assert.Equal((0, 2), (await _rig.OccupancyAsync("lobby"), await _rig.OccupancyAsync("hall-a")));
        Assert.Equal(1, (await Portal.GetStatusAsync()).MoveFailures);
        Assert.Contains(_rig.Movements.Items, m => m.AttendeeId == "A-2" && m.Via == "lobby-hall-a");
    }

    [Fact]
    public async Task A_call_with_a_failed_move_still_leaves_its_open_passes_to_the_portals_timer()
    {
        await _rig.AdmitAsync("A-1", "lobby", T0.AddMinutes(-1));
        await _rig.AdmitAsync("A-2", "lobby", T0.AddMinutes(-1));
        using var failing = FailOnce("hall-a");

        // A-1's pass is decided in the call and fails; A-2's, seen by one antenna, stays open.
        await Assert.ThrowsAsync<PortalMovesFailedException>(() => ObserveAsync(Read("A-1", Outer, 0.0), Read("A-1", Inner, 0.4), Read("A-2", Inner, 0.5)));
        Assert.Equal(1, (await Portal.GetStatusAsync()).OpenPasses);
        _rig.Time.Advance(TimeSpan.FromSeconds(2.5));

        var status = await Portal.GetStatusAsync().WithTimeout("the portal's status after its idle sweep");
        Assert.Equal(0, status.OpenPasses);
        Assert.Equal("hall-a", (await _rig.WhereAsync("A-2")).Zone);
    }

    [Fact]
    public async Task A_portal_whose_moves_fail_does_not_keep_a_batch_from_the_portals_after_it()
    {
        await _rig.AdmitAsync("A-1", "lobby", T0.AddMinutes(-1));
        await _rig.AdmitAsync("A-3", "lobby", T0.AddMinutes(-1));
        await _rig.MoveAsync("A-2", "lobby", "hall-a", T0.AddMinutes(-1));
        using var failing = FailOnce("hall-a");
        var router = new PortalReadRouter(_rig.Layout, _rig.Runtime);

        // lobby-hall-a comes first in the batch: A-1's pass fails there, A-3's moves; hall-a-room-1 (reader r2) comes after it.
        var routed = await router.RouteAsync(
        [
            Read("A-1", Outer, 0.0), Read("A-1", Inner, 0.4), Read("A-3", Outer, 0.6), Read("A-3", Inner, 1.0),
            Read("A-2", 1, 0.1, reader: "r2"), Read("A-2", 2, 0.5, reader: "r2"),
        ]).WithTimeout("the router to hand the batch to both portals");

        var failure = Assert.IsType<PortalMovesFailedException>(Assert.Single(routed.Failures));
        Assert.Equal(("lobby-hall-a", 1, 1), (failure.PortalId, failure.Failed, failure.Moved));
        // A-3 through the failing portal and A-2 through the next one: both movements counted.
        Assert.Equal((6, 2), (routed.Routed, routed.Movements));
        Assert.Equal(("room-1", "hall-a"), ((await _rig.WhereAsync("A-2")).Zone, (await _rig.WhereAsync("A-3")).Zone));
    }

    /// <summary>Subscribes to a zone's occupancy a handler that throws the first time it is called.</summary>
    private IDisposable FailOnce(string zoneId)
    {
        var failures = 1;
        return _rig.Runtime.Streams.GetStream<ZoneOccupancyChanged>(new(TelemetryStreams.ZoneOccupancy, zoneId))
            .Subscribe(_ => Interlocked.Decrement(ref failures) >= 0 ? throw new InvalidOperationException("subscriber down (injected by the test)") : Task.CompletedTask);
    }

    private Task<PortalBatchResult> ObserveAsync(params JournaledRead[] reads) =>
        Portal.ObserveAsync(reads).WithTimeout($"the portal to take in {reads.Length} reads");

    private JournaledRead Read(string attendeeId, int antenna, double seconds, double rssi = -60, string reader = "r1")
    {
        _sequence++;
        var at = T0.AddSeconds(seconds);
        return new JournaledRead(_sequence, new TagRead(reader, _sequence, EpcCodec.Encode(attendeeId), antenna, rssi, at), at);
    }
}
