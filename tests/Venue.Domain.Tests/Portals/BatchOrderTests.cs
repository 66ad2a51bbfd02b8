using Venue.Domain.Portals;
using Venue.Domain.Readers;

namespace Venue.Domain.Tests.Portals;

/// <summary>The order in which a batch's reads reach the portals, and a pass delivered late.</summary>
public sealed class BatchOrderTests
{
    private static readonly DateTimeOffset T0 = TelemetryRig.Start;

    private static JournaledRead Read(long seq, string attendee, string reader, int antenna, double seconds, DateTimeOffset receivedAt, double rssi = -60) =>
        new(seq, new TagRead(reader, seq, EpcCodec.Encode(attendee), antenna, rssi, T0.AddSeconds(seconds)), receivedAt);

    /// <summary>
    /// Reader r2 serves two portals: hall-a-room-1 (antennas 1/2) and acme-arch (3/4, booth B1's stand).
    /// A-1 walks into the Acme stand, out again, then into room 1; another badge was read at the room door
    /// first. Live, the reader posts this in three requests; a restart's replay puts all seven reads in one
    /// batch. Handed to the portals grouped by portal, the room pass (9.5 s) would come before the stand
    /// visit (1.5 to 5.5 s), which would then be out of order and never count.
    /// </summary>
    [Fact]
    public async Task One_attendee_s_passes_through_two_portals_in_one_batch_are_applied_in_time_order_and_replay_matches_live()
    {
        var received = T0.AddSeconds(20);
        JournaledRead[] reads =
        [
            Read(1, "Y-9", "r2", 1, 0.0, received),                       // someone at the room door
            Read(2, "A-1", "r2", 3, 1.0, received), Read(3, "A-1", "r2", 4, 1.5, received),            // into the Acme stand
            Read(4, "A-1", "r2", 4, 5.0, received.AddMilliseconds(300)), Read(5, "A-1", "r2", 3, 5.5, received.AddMilliseconds(300)), // out of it
            Read(6, "A-1", "r2", 1, 9.0, received.AddMilliseconds(600)), Read(7, "A-1", "r2", 2, 9.5, received.AddMilliseconds(600)), // into room 1
        ];

        // Live: three posts, three batches.
        await using var live = new TelemetryRig();
        await live.MoveAsync("A-1", null, "hall-a", T0.AddMinutes(-1));
        var liveRouter = new PortalReadRouter(live.Layout, live.Runtime);
        var r1 = await liveRouter.RouteAsync(reads[..3]).WithTimeout("live post 1");
        Assert.Empty(r1.Failures);
        Assert.Equal("acme-stand", (await live.WhereAsync("A-1")).Zone);
        await liveRouter.RouteAsync(reads[3..5]).WithTimeout("live post 2");
        await liveRouter.RouteAsync(reads[5..]).WithTimeout("live post 3");
        await liveRouter.FlushAsync().WithTimeout("live flush");

        // Restart: EdgeTelemetry.ReplayAsync batches reads until batch[0].ReceivedAt + DirectionWindow: one batch here.
        await using var replay = new TelemetryRig();
        await replay.MoveAsync("A-1", null, "hall-a", T0.AddMinutes(-1));
        var replayRouter = new PortalReadRouter(replay.Layout, replay.Runtime);
        await replayRouter.ReplayAsync(reads).WithTimeout("replayed batch");
        await replayRouter.FlushAsync().WithTimeout("replay flush");

        var liveStand = await live.ZoneStatusAsync("acme-stand");
        var replayStand = await replay.ZoneStatusAsync("acme-stand");
        var liveBooth = await live.Booth("B1").GetStatusAsync();
        var replayBooth = await replay.Booth("B1").GetStatusAsync();

        Assert.Equal("room-1", (await replay.WhereAsync("A-1")).Zone);
        Assert.Equal((1L, 1L, 1L), (liveStand.Entries, liveStand.Exits, liveBooth.Visits)); // live is right
        Assert.Equal((liveStand.Entries, liveStand.Exits, liveBooth.Visits), (replayStand.Entries, replayStand.Exits, replayBooth.Visits));
    }

    /// <summary>
    /// venue-layout.md, rules 3 and 7: outer then inner is inward, and an open pass takes a late read.
    /// A pass delivered late (behind a newer read of another badge at the same portal) keeps its window:
    /// its second antenna decides it, rather than its first read alone as a one-antenna pass.
    /// </summary>
    [Fact]
    public async Task A_late_delivered_two_antenna_pass_is_still_decided_by_antenna_order()
    {
        await using var rig = new TelemetryRig();
        var portal = rig.Portal("front"); // r1: outer 1 (outside), inner 2 (lobby)
        var received = T0.AddSeconds(101);

        await portal.ObserveAsync([Read(1, "Y-9", "r1", 2, 100.0, received)]).WithTimeout("a live read");
        // A-1 walked in at 90 s; the reader had buffered it and delivers it now, in order, 0.5 s apart.
        await portal.ObserveAsync([Read(2, "A-1", "r1", 1, 90.0, received), Read(3, "A-1", "r1", 2, 90.5, received)]).WithTimeout("the late pass");

        var status = await portal.GetStatusAsync();
        Assert.Equal(0, status.SingleAntenna);
        Assert.Equal("lobby", (await rig.WhereAsync("A-1")).Zone);
    }
}
