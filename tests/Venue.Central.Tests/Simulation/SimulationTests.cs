using Venue.Simulation;
using Venue.Testing.RabbitMq;

namespace Venue.Central.Tests.Simulation;

/// <summary>
/// <c>venue simulate</c>'s engine end to end, small: central and three edges in this process on
/// SQLite, real HTTP, north cut off through its proxy mid-rush and healed.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class SimulationTests(ITestOutputHelper output, RabbitMqFixture rabbit)
{
    [Fact]
    public async Task A_rush_with_north_cut_off_mid_rush_passes_and_central_raises_exactly_the_planned_conflicts()
    {
        using var directory = new TempDirectory();
        var options = new SimulationOptions
        {
            Attendees = 2_000,
            Gates = 8,
            Rush = TimeSpan.FromSeconds(6),
            // Three edges: south and east keep their link while north is cut off, so badges cross between edges all morning.
            Edges = 3,
            DataDirectory = directory.File("run"),
        };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(55));

        var report = await SimulationRunner.RunAsync(options, null, deadline.Token);

        foreach (var check in report.Checks)
        {
            output.WriteLine($"{(check.Passed ? "pass" : "FAIL")}  {check.Name}: {check.Detail}");
        }

        var sync = report.Sync;
        var partition = sync.Partition;
        output.WriteLine($"{sync}\n{partition}");
        Assert.True(report.Passed, string.Join("\n", report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")));
        Assert.NotNull(partition);
        Assert.Equal("north", partition.EdgeId);
        Assert.True(partition.EntriesBuffered > 0, "north journaled entries while cut off");
        Assert.NotNull(partition.CatchUpSeconds);
        Assert.True(sync.PlannedConflicts > 0, "the plan admitted some badges at two edges during the partition");
        Assert.Equal(sync.PlannedConflicts, sync.Conflicts);
        Assert.True(sync.OtherEdgeScans > 0, "the plan showed some badges at another edge while the links were up");
        Assert.Equal(sync.OtherEdgeScans, sync.OtherEdgeRefused);
        Assert.All(sync.Edges, e => Assert.Equal(e.JournalEntries, e.HeldAtCentral));
        Assert.Equal(["north", "south", "east"], sync.Edges.Select(e => e.EdgeId));

        // After the rush the crowd wandered each edge's floor, reported by noisy readers in process.
        var crowd = report.Crowd;
        Assert.NotNull(crowd);
        Assert.Equal("in-process", crowd.Transport);
        Assert.Equal(crowd.ReadsEmitted, crowd.ReadsJournaled);
        Assert.True(crowd.ReadsRedelivered > 0 && crowd.DuplicatesDropped >= crowd.ReadsRedelivered, "some batches came twice and were dropped as duplicates");
        Assert.True(crowd.Noise.OneAntenna > 0, "some passes were seen by one antenna only");
        Assert.All(crowd.Zones, z => Assert.Equal(z.Expected, z.Occupancy));
        Assert.True(crowd.AlertsRaised > 0, "a crowded hall or session room crossed a threshold");
        // Alerts are watched from before the rush: the gates fill every lobby past its threshold, and those raises
        // count with the floor's, so every clear counted follows a raise counted.
        Assert.All(crowd.Zones.Where(z => z.ZoneId.EndsWith("-lobby", StringComparison.Ordinal)), z => Assert.True(z.AlertsRaised > 0, $"{z.ZoneId}: peak {z.Peak} of {z.Capacity}, no alert counted"));
        Assert.True(crowd.AlertsCleared <= crowd.AlertsRaised, $"{crowd.AlertsCleared} alerts cleared, {crowd.AlertsRaised} raised");
        Assert.True(crowd.Leads > 0 && crowd.TopBooths[0].Leads > 0);
    }

    [Fact]
    public async Task The_crowd_phase_through_a_real_RabbitMQ_and_MQTT_readers_puts_everybody_in_the_right_zone()
    {
        if (!rabbit.Met(output))
        {
            return;
        }

        var broker = rabbit.Server!;
        using var directory = new TempDirectory();
        var options = new SimulationOptions
        {
            Attendees = 600,
            Gates = 4,
            Rush = TimeSpan.FromSeconds(3),
            Edges = 2,
            Partition = false,
            Wander = TimeSpan.FromSeconds(4),
            RabbitMq = broker.AmqpUri,
            MqttPort = broker.MqttPort,
            DataDirectory = directory.File("run"),
        };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));

        var report = await SimulationRunner.RunAsync(options, null, deadline.Token);

        foreach (var check in report.Checks)
        {
            output.WriteLine($"{(check.Passed ? "pass" : "FAIL")}  {check.Name}: {check.Detail}");
        }

        Assert.True(report.Passed, string.Join("\n", report.Checks.Where(c => !c.Passed).Select(c => $"{c.Name}: {c.Detail}")));
        var crowd = report.Crowd;
        Assert.NotNull(crowd);
        Assert.Equal("mqtt", crowd.Transport);
        Assert.True(crowd.ReadsJournaled > 1_000, $"{crowd.ReadsJournaled} reads came through the broker");
        Assert.Equal(crowd.ReadsEmitted, crowd.ReadsJournaled);
        Assert.All(crowd.Zones, z => Assert.Equal(z.Expected, z.Occupancy));
    }
}
