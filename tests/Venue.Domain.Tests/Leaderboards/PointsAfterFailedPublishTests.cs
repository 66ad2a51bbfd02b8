using Venue.Domain.Leaderboards;
using Venue.Domain.Telemetry;

namespace Venue.Domain.Tests.Leaderboards;

public sealed class SessionPointsTests
{
    /// <summary>
    /// A leave marks the session attended before it publishes occupancy: when that publish throws (a
    /// subscriber failing), the session points are still paid, since no later movement would pay them.
    /// </summary>
    [Fact]
    public async Task Session_points_are_paid_although_the_leave_s_occupancy_event_failed()
    {
        await using var rig = new TelemetryRig();
        var talk = TelemetryRig.Start.AddHours(1); // "talk" in room-1, 10:00 to 11:00
        await rig.MoveAsync("A-1", null, "hall-a", talk.AddMinutes(-5));
        await rig.MoveAsync("A-1", "hall-a", "room-1", talk.AddMinutes(1));

        var fail = 1;
        using var _ = rig.Runtime.Streams.GetStream<ZoneOccupancyChanged>(new(TelemetryStreams.ZoneOccupancy, "room-1"))
            .Subscribe(_ => Interlocked.Decrement(ref fail) >= 0 ? throw new InvalidOperationException("console bridge down (injected)") : Task.CompletedTask);

        // 30 minutes of the talk: attended. The publish of the leave fails.
        await Assert.ThrowsAnyAsync<Exception>(() => rig.MoveAsync("A-1", "room-1", "hall-a", talk.AddMinutes(31)));
        Assert.Equal(1, (await rig.ZoneStatusAsync("room-1")).Sessions.Single().Attended);

        // The attendee moves on (back into the room and out again): the next movements.
        await rig.MoveAsync("A-1", "hall-a", "room-1", talk.AddMinutes(40));
        await rig.MoveAsync("A-1", "room-1", "hall-a", talk.AddMinutes(50));

        var entry = await rig.Board(LeaderboardNames.Attendees).GetRankAsync("A-1");
        Assert.Equal((long?)10, entry?.Score); // attended the talk once: its 10 points, paid although the first leave's event failed
    }
}

public sealed class LeadPointsTests
{
    /// <summary>
    /// A capture stores the lead, then publishes LeadCaptured, then pays its points: a publish that throws
    /// still leaves the lead paid (and the booth app's retry, answered "updated", pays nothing twice).
    /// </summary>
    [Fact]
    public async Task A_capture_whose_event_publish_fails_still_earns_its_points_once()
    {
        await using var rig = new TelemetryRig();
        var fail = 1;
        using var _ = rig.Runtime.Streams.GetStream<LeadCaptured>(new(TelemetryStreams.Leads, "B1"))
            .Subscribe(_ => Interlocked.Decrement(ref fail) >= 0 ? throw new InvalidOperationException("in-process consumer down (injected)") : Task.CompletedTask);

        var capture = new Venue.Domain.Booths.LeadCapture("A-1", 4, "met", TelemetryRig.Start);
        await Assert.ThrowsAnyAsync<Exception>(() => rig.Booth("B1").CaptureLeadAsync(capture));
        await rig.Booth("B1").CaptureLeadAsync(capture); // the booth app retries (same fact: same nonce)

        Assert.Equal(1, (await rig.Booth("B1").GetStatusAsync()).Leads);
        Assert.Equal((long?)rig.Layout.Points.Booth, (await rig.Board(LeaderboardNames.Attendees).GetRankAsync("A-1"))?.Score);
        Assert.Equal((long?)rig.Layout.Points.Booth, (await rig.Board(LeaderboardNames.Booths).GetRankAsync("B1"))?.Score);
    }
}
