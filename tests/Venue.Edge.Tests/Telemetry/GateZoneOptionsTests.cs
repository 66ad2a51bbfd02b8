using Venue.Edge.Silo;

namespace Venue.Edge.Tests.Telemetry;

/// <summary>A gate's zone checked against the venue layout at start-up.</summary>
public sealed class GateZoneOptionsTests
{
    private static string Layout => RepositoryFiles.Path("silo-config", "venue-layout.json");

    private static EdgeSiloOptions Edge(string ledger, params string?[] zones)
    {
        File.WriteAllText(ledger, "");
        return new()
        {
            EdgeId = "north",
            DataDirectory = Path.Combine(Path.GetDirectoryName(ledger)!, "data"),
            LedgerPath = ledger,
            LayoutPath = Layout,
            Gates = [.. zones.Select((zone, i) => new Domain.Gates.GateDefinition($"G{i + 1:00}", $"Gate {i + 1}", zone))],
        };
    }

    [Fact]
    public void A_gate_leading_into_a_zone_the_layout_does_not_have_is_a_start_up_problem_that_names_the_gate_and_the_zones()
    {
        using var directory = new TempDirectory();
        var ledger = directory.File("ledger.jsonl");

        var problems = Edge(ledger, "lobby", "Lobby", null).Problems();

        var problem = Assert.Single(problems);
        Assert.StartsWith("Edge:Gates[1]", problem, StringComparison.Ordinal);
        Assert.Contains("'Lobby'", problem, StringComparison.Ordinal);
        Assert.Contains("G02", problem, StringComparison.Ordinal);
        Assert.Contains("lobby", problem.Split("its zones:")[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Gates_leading_into_layout_zones_or_into_none_pass()
    {
        using var directory = new TempDirectory();

        Assert.Empty(Edge(directory.File("ledger.jsonl"), "lobby", "hall-a", null).Problems());
    }
}
