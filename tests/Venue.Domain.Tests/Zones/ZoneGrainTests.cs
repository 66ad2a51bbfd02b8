using Venue.Domain.Telemetry;
using Venue.Domain.Zones;

namespace Venue.Domain.Tests.Zones;

public sealed class ZoneGrainTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = TelemetryRig.Start;

    private readonly TelemetryRig _rig = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Occupancy_never_goes_negative_when_an_attendee_leaves_a_zone_they_were_never_seen_in()
    {
        // The portal says lobby → hall-a, but we never saw A-1 in the lobby: they leave nothing.
        var result = await _rig.MoveAsync("A-1", "lobby", "hall-a", T0);
        await _rig.Zone("lobby").LeaveAsync("A-2", T0.AddSeconds(1));

        Assert.Equal(new MoveResult(MoveOutcome.Moved, null, "hall-a", Admitted: false), result);
        Assert.Equal(0, await _rig.OccupancyAsync("lobby"));
        Assert.Equal(1, await _rig.OccupancyAsync("hall-a"));
        Assert.Equal(0, (await _rig.ZoneStatusAsync("lobby")).Exits);
    }

    [Fact]
    public async Task Moving_into_a_zone_is_moving_out_of_the_last_one()
    {
        await _rig.MoveAsync("A-1", null, "lobby", T0);
        await _rig.MoveAsync("A-1", "lobby", "hall-a", T0.AddMinutes(1));

        Assert.Equal(0, await _rig.OccupancyAsync("lobby"));
        Assert.Equal(1, await _rig.OccupancyAsync("hall-a"));
        var where = await _rig.WhereAsync("A-1");
        Assert.Equal("hall-a", where.Zone);
        Assert.Equal(T0.AddMinutes(1), where.Since);
    }

    [Fact]
    public async Task A_move_whose_enter_fails_after_counting_never_leaves_the_attendee_counted_in_two_zones()
    {
        await _rig.MoveAsync("A-1", null, "lobby", T0);
        // A subscriber of hall-a's occupancy fails once: hall-a has counted A-1 when its enter throws.
        var failures = 1;
        using var failing = _rig.Runtime.Streams.GetStream<ZoneOccupancyChanged>(new(TelemetryStreams.ZoneOccupancy, "hall-a"))
            .Subscribe(_ => Interlocked.Decrement(ref failures) >= 0 ? throw new InvalidOperationException("subscriber down") : Task.CompletedTask);

        await Assert.ThrowsAnyAsync<Exception>(() => _rig.MoveAsync("A-1", "lobby", "hall-a", T0.AddMinutes(1)));
        await _rig.MoveAsync("A-1", "hall-a", "room-1", T0.AddMinutes(2));

        Assert.Equal((0, 0, 1), (await _rig.OccupancyAsync("lobby"), await _rig.OccupancyAsync("hall-a"), await _rig.OccupancyAsync("room-1")));
        Assert.Equal("room-1", (await _rig.WhereAsync("A-1")).Zone);
    }

    [Fact]
    public async Task A_move_to_the_zone_the_attendee_is_in_changes_nothing()
    {
        await _rig.MoveAsync("A-1", null, "lobby", T0);

        var again = await _rig.MoveAsync("A-1", null, "lobby", T0.AddSeconds(30));

        Assert.Equal(MoveOutcome.AlreadyThere, again.Outcome);
        Assert.Equal(1, (await _rig.ZoneStatusAsync("lobby")).Entries);
        Assert.Single(_rig.Occupancy.Items);
    }

    [Fact]
    public async Task A_move_older_than_the_attendees_last_move_is_ignored()
    {
        await _rig.MoveAsync("A-1", "lobby", "hall-a", T0.AddMinutes(5));

        var late = await _rig.MoveAsync("A-1", null, "lobby", T0.AddMinutes(4));

        Assert.Equal(MoveOutcome.OutOfOrder, late.Outcome);
        Assert.Equal("hall-a", (await _rig.WhereAsync("A-1")).Zone);
        Assert.Equal(0, await _rig.OccupancyAsync("lobby"));
    }

    [Fact]
    public async Task Alert_is_raised_at_90_percent_and_cleared_only_below_85_percent()
    {
        for (var i = 0; i < 90; i++)
        {
            await _rig.MoveAsync($"A-{i}", null, "hall-a", T0.AddSeconds(i));
        }

        Assert.Equal([(ZoneLevel.Warn, true, 80), (ZoneLevel.Alert, true, 90)], Alerts());
        Assert.Equal(ZoneLevel.Alert, (await _rig.ZoneStatusAsync("hall-a")).Level);

        for (var i = 0; i < 5; i++)
        {
            await _rig.MoveAsync($"A-{i}", "hall-a", "lobby", T0.AddMinutes(5).AddSeconds(i));
        }

        Assert.Equal(85, await _rig.OccupancyAsync("hall-a"));
        Assert.Equal(2, Alerts().Count); // 85 is not below 85: the alert holds

        await _rig.MoveAsync("A-5", "hall-a", "lobby", T0.AddMinutes(6));

        Assert.Equal((ZoneLevel.Alert, false, 84), Alerts()[^1]);
        var status = await _rig.ZoneStatusAsync("hall-a");
        Assert.Equal(ZoneLevel.Warn, status.Level);
        Assert.Equal(90, status.PeakOccupancy);
        Assert.Equal(T0.AddSeconds(89), status.PeakAt);
    }

    [Fact]
    public async Task A_small_zone_raises_every_level_one_person_crosses()
    {
        // Capacity 10: warn at 8, alert at 9, full at 10.
        for (var i = 0; i < 10; i++)
        {
            await _rig.MoveAsync($"A-{i}", null, "room-1", T0.AddSeconds(i));
        }

        Assert.Equal([(ZoneLevel.Warn, true, 8), (ZoneLevel.Alert, true, 9), (ZoneLevel.Full, true, 10)], Alerts("room-1"));
    }

    [Fact]
    public async Task Every_change_is_published_with_the_movement_time_as_its_cause()
    {
        await _rig.MoveAsync("A-1", null, "lobby", T0.AddSeconds(-3));
        await _rig.MoveAsync("A-1", "lobby", "hall-a", T0.AddSeconds(-1));

        Assert.Equal(
            [
                new ZoneOccupancyChanged("lobby", 1, 100, ZoneLevel.Normal, T0, T0.AddSeconds(-3)),
                new ZoneOccupancyChanged("lobby", 0, 100, ZoneLevel.Normal, T0, T0.AddSeconds(-1)),
                new ZoneOccupancyChanged("hall-a", 1, 100, ZoneLevel.Normal, T0, T0.AddSeconds(-1)),
            ],
            _rig.Occupancy.Items);
    }

    [Fact]
    public async Task Dwell_times_and_the_minute_series_come_from_enter_and_leave_times()
    {
        await _rig.MoveAsync("A-1", null, "lobby", T0);
        await _rig.MoveAsync("A-2", null, "lobby", T0.AddSeconds(10));
        await _rig.MoveAsync("A-3", null, "lobby", T0.AddSeconds(20));
        await _rig.MoveAsync("A-1", "lobby", null, T0.AddMinutes(1));
        await _rig.MoveAsync("A-2", "lobby", null, T0.AddSeconds(10).AddMinutes(2));
        await _rig.MoveAsync("A-3", "lobby", null, T0.AddSeconds(20).AddMinutes(10));

        var status = await _rig.ZoneStatusAsync("lobby");

        Assert.Equal(new DwellStats(3, TimeSpan.FromSeconds(260), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10)), status.Dwell);
        Assert.Equal(
            [
                new ZoneMinute(T0, 3, 3, 0),
                new ZoneMinute(T0.AddMinutes(1), 3, 0, 1),
                new ZoneMinute(T0.AddMinutes(2), 2, 0, 1),
                new ZoneMinute(T0.AddMinutes(10), 1, 0, 1),
            ],
            status.Minutes);
        Assert.Equal(0, status.Occupancy);
        Assert.Equal(3, status.Entries);
        Assert.Equal(3, status.Exits);
    }

    [Fact]
    public async Task A_late_movement_counts_in_its_minute_without_giving_that_minute_todays_crowd()
    {
        for (var i = 0; i < 50; i++)
        {
            await _rig.MoveAsync($"A-{i}", null, "lobby", T0.AddMinutes(30));
        }

        // B's reader replays its buffer: B went in at +25 min and came out at +27, read only now.
        await _rig.MoveAsync("B", null, "lobby", T0.AddMinutes(25));
        await _rig.MoveAsync("B", "lobby", null, T0.AddMinutes(27));
        await _rig.MoveAsync("C", null, "lobby", T0.AddMinutes(30).AddSeconds(5));

        var status = await _rig.ZoneStatusAsync("lobby");

        Assert.Equal(
            [
                new ZoneMinute(T0.AddMinutes(25), 1, 1, 0),
                new ZoneMinute(T0.AddMinutes(27), 1, 0, 1),
                new ZoneMinute(T0.AddMinutes(30), 51, 51, 0),
            ],
            status.Minutes);
        Assert.Equal(T0.AddMinutes(30).AddSeconds(5), status.LastChangeAt);
        Assert.Equal((51, T0.AddMinutes(30)), (status.PeakOccupancy, status.PeakAt)); // reached when B was read, not at +25
    }

    [Fact]
    public async Task The_minute_series_keeps_only_the_last_24_hours()
    {
        for (var hour = 0; hour <= 30; hour++)
        {
            await _rig.MoveAsync("A-1", null, hour % 2 == 0 ? "lobby" : "hall-a", T0.AddHours(hour));
        }

        var minutes = (await _rig.ZoneStatusAsync("lobby")).Minutes;

        Assert.True(minutes[0].Minute > T0.AddHours(30).AddHours(-24), $"oldest kept minute {minutes[0].Minute:O}");
        Assert.Equal(T0.AddHours(30), minutes[^1].Minute);
    }

    [Fact]
    public async Task Admission_at_a_gate_moves_the_attendee_into_its_zone_and_exit_moves_them_out_of_any()
    {
        await _rig.AdmitAsync("A-1", "lobby", T0);
        await _rig.MoveAsync("A-1", "lobby", "hall-a", T0.AddMinutes(1));

        var exit = await _rig.Location("A-1").GateAsync("main", "lobby", admitted: false, T0.AddMinutes(2));

        Assert.Equal(new MoveResult(MoveOutcome.Moved, "hall-a", null, Admitted: false), exit);
        Assert.Equal(0, await _rig.OccupancyAsync("hall-a"));
        Assert.Equal(0, await _rig.OccupancyAsync("lobby"));
        Assert.Equal(0, (await _rig.ZoneStatusAsync("hall-a")).NotAdmittedEntries);
        // Gate moves are published by the attendee's location, on the gate's key.
        Assert.Equal([("main", null, "lobby"), ("main", "hall-a", null)], _rig.Movements.Items.Select(m => (m.Via, m.FromZone, m.ToZone)));
    }

    [Fact]
    public async Task A_badge_never_admitted_at_a_gate_still_moves_and_is_counted_as_not_admitted()
    {
        await _rig.AdmitAsync("A-1", "lobby", T0);
        await _rig.MoveAsync("A-1", "lobby", "hall-a", T0.AddMinutes(1));
        await _rig.MoveAsync("T-9", "lobby", "hall-a", T0.AddMinutes(1));

        var status = await _rig.ZoneStatusAsync("hall-a");

        Assert.Equal(2, status.Occupancy);
        Assert.Equal(1, status.NotAdmittedEntries);
        Assert.False((await _rig.WhereAsync("T-9")).Admitted);
    }

    [Fact]
    public async Task A_gate_without_a_zone_of_the_layout_admits_without_moving()
    {
        var result = await _rig.AdmitAsync("A-1", "car-park", T0);

        Assert.Equal(new MoveResult(MoveOutcome.AlreadyThere, null, null, Admitted: true), result);
        Assert.True((await _rig.WhereAsync("A-1")).Admitted);
    }

    [Fact]
    public async Task Occupants_are_listed_longest_inside_first_up_to_the_limit()
    {
        await _rig.MoveAsync("A-3", null, "lobby", T0.AddSeconds(3));
        await _rig.MoveAsync("A-1", null, "lobby", T0.AddSeconds(1));
        await _rig.MoveAsync("A-2", null, "lobby", T0.AddSeconds(2));

        var occupants = await _rig.Zone("lobby").GetOccupantsAsync(2);

        Assert.Equal([new ZoneOccupant("A-1", T0.AddSeconds(1)), new ZoneOccupant("A-2", T0.AddSeconds(2))], occupants);
    }

    private List<(ZoneLevel Level, bool Raised, int Occupancy)> Alerts(string zone = "hall-a") =>
        [.. _rig.Alerts.Items.Where(a => a.ZoneId == zone).Select(a => (a.Level, a.Raised, a.Occupancy))];
}
