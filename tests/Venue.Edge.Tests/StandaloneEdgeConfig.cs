using System.Text.Json;
using Venue.Domain.Tickets;
using Venue.Simulation;

namespace Venue.Edge.Tests;

/// <summary>
/// A small standalone edge (no central) for tests that run the real <c>venue edge</c> process: a
/// signed 50-attendee ledger, its two gates, a data directory, and a log that says when the host
/// starts and stops.
/// </summary>
internal sealed record StandaloneEdgeConfig(string ConfigPath, string DataDirectory)
{
    public static async Task<StandaloneEdgeConfig> WriteAsync(TempDirectory directory, string edgeId)
    {
        using var key = TicketSigningKey.Create("k1");
        var generated = EventGenerator.Generate(new EventSpec(edgeId, 50, 2, Seed: 3, DateTimeOffset.UtcNow.AddHours(-2)), key);
        var ledger = directory.File("ledger.jsonl");
        await EventGenerator.WriteLedgerAsync(generated, ledger);
        var data = directory.File("edge");
        var config = directory.File("edge.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Edge = new { EdgeId = edgeId, DataDirectory = data, LedgerPath = ledger, Gates = generated.Gates.Select(g => new { g.Id, g.Name }) },
            Logging = new { LogLevel = new Dictionary<string, string> { ["Default"] = "Warning", ["Microsoft.Hosting.Lifetime"] = "Information" } },
        }));
        return new StandaloneEdgeConfig(config, data);
    }
}
