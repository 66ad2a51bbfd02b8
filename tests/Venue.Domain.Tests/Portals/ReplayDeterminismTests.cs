using Venue.Domain.Portals;
using Venue.Domain.Readers;

namespace Venue.Domain.Tests.Portals;

/// <summary>
/// The edge rebuilds telemetry on restart by replaying its read journal: the same reads, in the same
/// order and batches, on the same clock, must rebuild the same zones.
/// </summary>
public sealed class ReplayDeterminismTests
{
    private static readonly DateTimeOffset T0 = TelemetryRig.Start;

    // (reader, outer antenna, inner antenna) of the default layout's portals, in walking order.
    private static readonly (string Reader, int Outer, int Inner)[] Route =
    [
        ("r1", 1, 2), // outside → lobby
        ("r1", 3, 4), // lobby → hall-a
        ("r2", 1, 2), // hall-a → room-1
        ("r2", 3, 4), // hall-a → acme-stand (from room-1: a one-way walk the portals cannot explain)
    ];

    [Fact]
    public async Task The_same_reads_replayed_into_two_fresh_runtimes_give_the_same_zones()
    {
        var reads = Crowd(attendees: 300, seed: 11);

        var first = await ReplayAsync(reads);
        var second = await ReplayAsync(reads);

        Assert.True(first.Occupancy.Values.Sum() > 100, "the crowd should end up inside");
        Assert.Equal(first.Occupancy, second.Occupancy);
        Assert.Equal(first.Movements, second.Movements);
        Assert.Equal(first.Where, second.Where);
    }

    private static async Task<(Dictionary<string, int> Occupancy, List<string> Movements, List<string?> Where)> ReplayAsync(IReadOnlyList<JournaledRead> reads)
    {
        await using var rig = new TelemetryRig();
        var router = new PortalReadRouter(rig.Layout, rig.Runtime);
        foreach (var batch in reads.Chunk(64))
        {
            // As the edge replays: what the portals' timers decided before this batch, then the batch.
            if (batch[0].ReceivedAt >= router.NextIdleDue)
            {
                await router.SweepIdleAsync(batch[0].ReceivedAt).WithTimeout("a replayed idle sweep");
            }

            await router.ReplayAsync(batch).WithTimeout("a replayed batch");
        }

        await router.FlushAsync().WithTimeout("the end-of-replay flush");
        var occupancy = new Dictionary<string, int>();
        foreach (var zone in rig.Layout.Zones)
        {
            occupancy[zone.Id] = await rig.OccupancyAsync(zone.Id);
        }

        var where = new List<string?>();
        for (var i = 0; i < 300; i++)
        {
            where.Add((await rig.WhereAsync($"A-{i}")).Zone);
        }

        return (occupancy, [.. rig.Movements.Items.Select(m => $"{m.AttendeeId}:{m.FromZone}>{m.ToZone}@{m.ReadAt:O}")], where);
    }

    /// <summary>A crowd walking in, some a few portals deep; duplicates, one-antenna passes and reads out of order.</summary>
    private static List<JournaledRead> Crowd(int attendees, int seed)
    {
        var random = new Random(seed);
        var reads = new List<TagRead>();
        var eventNum = 0L;
        for (var a = 0; a < attendees; a++)
        {
            var epc = EpcCodec.Encode($"A-{a}");
            var steps = random.Next(1, Route.Length + 1);
            for (var s = 0; s < steps; s++)
            {
                var (reader, outer, inner) = Route[s];
                var inward = random.NextDouble() < 0.9;
                var (first, second) = inward ? (outer, inner) : (inner, outer);
                var start = T0.AddSeconds((a * 0.7) + (s * 20) + random.NextDouble());
                var oneAntenna = random.NextDouble() < 0.15;
                for (var r = 0; r < random.Next(2, 9); r++)
                {
                    reads.Add(new TagRead(reader, ++eventNum, epc, first, -75 + random.Next(20), start.AddMilliseconds(r * 60)));
                }

                for (var r = 0; !oneAntenna && r < random.Next(2, 9); r++)
                {
                    reads.Add(new TagRead(reader, ++eventNum, epc, second, -75 + random.Next(20), start.AddMilliseconds(500 + (r * 60))));
                }
            }
        }

        reads.Sort((x, y) => x.ReadAt.CompareTo(y.ReadAt));
        // Readers deliver a little out of order.
        for (var i = 1; i < reads.Count; i++)
        {
            if (random.NextDouble() < 0.05)
            {
                (reads[i - 1], reads[i]) = (reads[i], reads[i - 1]);
            }
        }

        return [.. reads.Select((r, i) => new JournaledRead(i + 1, r, r.ReadAt))];
    }
}
