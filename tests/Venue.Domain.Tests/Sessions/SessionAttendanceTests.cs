using Venue.Domain.Leaderboards;

namespace Venue.Domain.Tests.Sessions;

/// <summary>Session "talk" runs in room-1 from 10:00 to 11:00; the minimum stay is 5 minutes.</summary>
public sealed class SessionAttendanceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Starts = TelemetryRig.Start.AddHours(1);

    private readonly TelemetryRig _rig = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task Attending_for_the_minimum_stay_earns_session_points_once()
    {
        await Stay("A-1", Starts.AddMinutes(-10), Starts.AddMinutes(20));
        await Stay("A-1", Starts.AddMinutes(30), Starts.AddMinutes(50));

        Assert.Equal(1, await Attended());
        var entry = await _rig.Board(LeaderboardNames.Attendees).GetRankAsync("A-1");
        Assert.Equal(10, entry?.Score);
    }

    [Fact]
    public async Task Short_stays_during_the_session_add_up_to_the_minimum()
    {
        await Stay("A-1", Starts.AddMinutes(1), Starts.AddMinutes(4));
        Assert.Equal(0, await Attended());

        await Stay("A-1", Starts.AddMinutes(10), Starts.AddMinutes(12));

        Assert.Equal(1, await Attended());
    }

    [Fact]
    public async Task Time_in_the_room_outside_the_schedule_does_not_count()
    {
        await Stay("A-1", Starts.AddMinutes(-30), Starts.AddMinutes(2));
        await Stay("A-2", Starts.AddMinutes(58), Starts.AddMinutes(90));

        Assert.Equal(0, await Attended());
        Assert.Null(await _rig.Board(LeaderboardNames.Attendees).GetRankAsync("A-1"));
    }

    private async Task Stay(string attendeeId, DateTimeOffset from, DateTimeOffset to)
    {
        await _rig.MoveAsync(attendeeId, "hall-a", "room-1", from);
        await _rig.MoveAsync(attendeeId, "room-1", "hall-a", to);
    }

    private async Task<int> Attended() =>
        Assert.Single((await _rig.ZoneStatusAsync("room-1")).Sessions, s => s.SessionId == "talk").Attended;
}
