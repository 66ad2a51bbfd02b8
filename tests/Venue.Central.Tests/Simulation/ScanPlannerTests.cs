using Venue.Domain.Tickets;
using Venue.Simulation;

namespace Venue.Central.Tests.Simulation;

/// <summary>The plan asks of sync only what sync can give: agreement while links are up, conflicts while one is cut.</summary>
public sealed class ScanPlannerTests
{
    private static readonly TimeSpan Rush = TimeSpan.FromSeconds(20);
    private static readonly PartitionWindow Cut = new("north", TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(14), TimeSpan.FromSeconds(3));

    private static (GeneratedEvent Event, EdgeTopology Layout, IReadOnlyList<PlannedScan> Plan) MakePlan(int edges)
    {
        using var key = TicketSigningKey.Create("k1");
        var generated = EventGenerator.Generate(new EventSpec("plan", 3_000, 10, Seed: 3, DateTimeOffset.UtcNow), key);
        var layout = EdgeTopology.Split(generated.Gates, edges, Cut);
        return (generated, layout, ScanPlanner.Plan(generated, layout, Rush, seed: 3));
    }

    [Fact]
    public void Gates_are_dealt_out_so_every_edge_has_public_gates_and_staff_gates_alternate()
    {
        var (generated, layout, _) = MakePlan(2);

        Assert.Equal(["G01", "G03", "G05", "G07", "G09"], layout.Gates["north"].Select(g => g.Id));
        Assert.Equal(["G02", "G04", "G06", "G08", "S10"], layout.Gates["south"].Select(g => g.Id));
        Assert.Equal(generated.Gates.Count, layout.Gates.Values.Sum(g => g.Count));
    }

    [Fact]
    public void A_partition_double_is_one_scan_at_the_cut_off_edge_and_one_at_another_both_inside_the_cut()
    {
        var (_, layout, plan) = MakePlan(2);

        var doubles = plan.Where(p => p.Kind == ScanKind.PartitionDouble).ToList();

        Assert.NotEmpty(doubles);
        Assert.All(doubles, d =>
        {
            var pair = plan.Where(p => p.AttendeeId == d.AttendeeId).OrderBy(p => p.At).ToList();
            Assert.Equal(2, pair.Count);
            Assert.Contains("north", pair.Select(p => layout.EdgeOf(p.GateId)));
            Assert.NotEqual(layout.EdgeOf(pair[0].GateId), layout.EdgeOf(pair[1].GateId));
            Assert.All(pair, p => Assert.InRange(p.At, Cut.From, Cut.To));
        });
    }

    [Fact]
    public void A_badge_is_shown_at_another_edge_only_while_both_links_are_up_and_settled()
    {
        var (_, layout, plan) = MakePlan(3);

        var twins = plan.Where(p => p.Kind == ScanKind.OtherEdge).ToList();

        Assert.NotEmpty(twins);
        Assert.All(twins, twin =>
        {
            var arrival = plan.Single(p => p.AttendeeId == twin.AttendeeId && p.Kind == ScanKind.Arrival);
            Assert.NotEqual(layout.EdgeOf(arrival.GateId), layout.EdgeOf(twin.GateId));
            Assert.InRange(twin.At - arrival.At, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3.5));
            Assert.True(layout.LinkUpThroughout(layout.EdgeOf(arrival.GateId), arrival.At, twin.At), $"{twin} crosses north's partition");
            Assert.True(layout.LinkUpThroughout(layout.EdgeOf(twin.GateId), arrival.At, twin.At), $"{twin} crosses north's partition");
        });
    }

    [Fact]
    public void Simultaneous_scans_of_one_badge_stay_at_one_edge()
    {
        var (_, layout, plan) = MakePlan(2);

        var pairs = plan.Where(p => p.Kind == ScanKind.Simultaneous).ToList();

        Assert.NotEmpty(pairs);
        Assert.All(pairs, p => Assert.Equal(layout.EdgeOf(p.GateId), layout.EdgeOf(p.Twin!.GateId)));
    }
}
