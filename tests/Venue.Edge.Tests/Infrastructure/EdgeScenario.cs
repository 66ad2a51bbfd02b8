using Venue.Domain.Gates;
using Venue.Domain.Journal;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Tests.Infrastructure;

/// <summary>
/// One test's world: its own temporary directory, a hand-made ledger, and an in-process edge on a
/// loopback port serving the standard gates. Restartable on the same data directory.
/// </summary>
public sealed class EdgeScenario : IAsyncDisposable
{
    private readonly EdgeSetup _setup;

    private EdgeScenario(TempDirectory directory, TestLedger ledger, EdgeSetup setup, TestEdge edge)
    {
        Directory = directory;
        Ledger = ledger;
        _setup = setup;
        Edge = edge;
    }

    public TempDirectory Directory { get; }

    public TestLedger Ledger { get; }

    public TestEdge Edge { get; private set; }

    public ScannerClient Scanner => Edge.Scanner();

    public string JournalPath => System.IO.Path.Combine(_setup.DataDirectory, "journal.db");

    /// <summary>The read journal (reads, leads, challenges) of an edge with a venue layout.</summary>
    public string TelemetryPath => System.IO.Path.Combine(_setup.DataDirectory, "telemetry.db");

    /// <summary>
    /// Open gates G01 to G04 for every ticket type, a staff entrance S01 (vip, exhibitor, press),
    /// C01 which closed an hour ago and L01 which opens in an hour.
    /// </summary>
    public static IReadOnlyList<GateDefinition> StandardGates()
    {
        var now = DateTimeOffset.UtcNow;
        return
        [
            new("G01", "North gate 1", "hall-a"),
            new("G02", "North gate 2", "hall-a"),
            new("G03", "North gate 3", "hall-a"),
            new("G04", "North gate 4", "hall-a"),
            new("S01", "Staff entrance", "hall-a", ["vip", "exhibitor", "press"]),
            new("C01", "Closed gate", "hall-b", OpensAt: now.AddDays(-1), ClosesAt: now.AddHours(-1)),
            new("L01", "Late gate", "hall-b", OpensAt: now.AddHours(1)),
        ];
    }

    public static async Task<EdgeScenario> StartAsync(Action<TestLedger> fill, Func<EdgeSetup, EdgeSetup>? adjust = null)
    {
        var directory = new TempDirectory();
        var ledger = new TestLedger();
        try
        {
            fill(ledger);
            var ledgerPath = directory.File("ledger.jsonl");
            await ledger.WriteAsync(ledgerPath);
            var setup = new EdgeSetup(directory.File("edge"), ledgerPath, StandardGates());
            setup = adjust?.Invoke(setup) ?? setup;
            var edge = await TestEdge.StartAsync(setup);
            return new EdgeScenario(directory, ledger, setup, edge);
        }
        catch
        {
            ledger.Dispose();
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Stops the edge (closing its journal) and starts a new one on the same data directory.</summary>
    public async Task RestartAsync()
    {
        await Edge.StopAsync();
        Edge = await TestEdge.StartAsync(_setup);
    }

    /// <summary>The journal as it is on disk (read through its own connection).</summary>
    public IReadOnlyList<JournalEntry> Journal() => [.. SqliteCheckInJournal.ReadAll(JournalPath)];

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Edge.StopAsync();
        }
        finally
        {
            Ledger.Dispose();
            Directory.Dispose();
        }
    }
}
