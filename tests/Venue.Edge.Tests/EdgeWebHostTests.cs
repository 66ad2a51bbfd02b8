using Venue.Domain.Devices;
using Venue.Domain.Gates;
using Venue.Edge.Tests.Infrastructure;
using Venue.Simulation;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Tests;

/// <summary>The simulator's edge host must serve the gates it is given as configured, rules and hours included.</summary>
public sealed class EdgeWebHostTests
{
    [Fact]
    public async Task The_simulators_edge_host_keeps_each_gates_ticket_rules_and_opening_hours()
    {
        using var directory = new TempDirectory();
        using var ledger = new TestLedger();
        var badge = ledger.Add("A0001", "general");
        var ledgerPath = directory.File("ledger.jsonl");
        await ledger.WriteAsync(ledgerPath);
        var dataDirectory = directory.File("edge");
        var (_, token) = await new SqliteDeviceCredentialStore(Path.Combine(dataDirectory, "devices.db"), TimeProvider.System).CreateAsync("lane", DeviceRole.Scanner);
        var now = DateTimeOffset.UtcNow;
        GateDefinition[] gates =
        [
            new("G01", "Gate 1", "hall-a"),
            new("S01", "Staff entrance", "hall-a", ["vip"]),
            new("C01", "Closed gate", "hall-b", OpensAt: now.AddDays(-1), ClosesAt: now.AddHours(-1)),
        ];

        await using var edge = await EdgeWebHost.StartAsync("sim-edge", dataDirectory, ledgerPath, gates, scansPerSecondPerDevice: 1000);
        using var http = new HttpClient { BaseAddress = edge.Address };
        var scanner = new ScannerClient(http, token);

        var closed = await scanner.ScanAsync("C01", badge);
        var staff = await scanner.ScanAsync("S01", badge);
        var open = await scanner.ScanAsync("G01", badge);

        Assert.Equal(("refused", "gate_closed"), (closed.Result, closed.Reason));
        Assert.Equal(("refused", "not_allowed_here"), (staff.Result, staff.Reason));
        Assert.Equal(("admitted", "admitted"), (open.Result, open.Reason));
    }
}
