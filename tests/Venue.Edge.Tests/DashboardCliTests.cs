using System.Text.Json;
using Venue.Domain.Tickets;
using Venue.Simulation;

namespace Venue.Edge.Tests;

/// <summary><c>venue edge --dashboard</c> as a service manager runs it: output into a pipe, not a terminal.</summary>
public sealed class DashboardCliTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_edge_dashboard_with_its_output_in_a_pipe_prints_the_console_address_once_and_no_escape_codes()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        using var key = TicketSigningKey.Create("k1");
        var generated = EventGenerator.Generate(new EventSpec("dash", 20, 2, Seed: 5, DateTimeOffset.UtcNow.AddHours(-2)), key);
        var ledger = directory.File("ledger.jsonl");
        await EventGenerator.WriteLedgerAsync(generated, ledger);
        var config = directory.File("edge.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Edge = new { EdgeId = "dash-edge", DataDirectory = directory.File("edge"), LedgerPath = ledger, Gates = generated.Gates.Select(g => new { g.Id, g.Name }) },
        }));

        await using var edge = await SiloProcess.StartAsync(SiloStart.Edge(config, directory.Path) with { Options = ["--dashboard"] }, TimeSpan.FromSeconds(30));
        await Eventually.UntilAsync(() => Task.FromResult(edge.Output.Contains("ops console: ", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), () => $"the console's address on the edge's output:\n{edge.Output}");
        // The edge runs on behind it, and nothing was drawn into the pipe.
        Assert.Equal("dash-edge", (await edge.HealthAsync()).GetProperty("edgeId").GetString());

        var printed = edge.Output;
        Assert.DoesNotContain('\u001b', printed);
        Assert.Single(printed.Split('\n'), line => line.Contains("ops console: ", StringComparison.Ordinal));
        Assert.Contains($"{edge.Address.ToString().TrimEnd('/')}/console", printed, StringComparison.Ordinal);
    }
}
