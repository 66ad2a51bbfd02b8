using System.Diagnostics;
using Venue.Domain.Gates;
using Venue.Domain.Ledger;
using Venue.Domain.Portals;
using Venue.Domain.Tickets;
using Venue.Domain.Zones;
using Venue.Edge.Silo;
using Venue.Edge.Telemetry;
using Venue.Simulation.Crowd;

namespace Venue.TelemetryBench.Floor;

/// <summary>
/// A real edge silo in the bench's process, started on a fresh data directory with the floor's
/// layout file (so <see cref="EdgeSilo.Telemetry"/> is the edge's own: journal, portals, locations,
/// zones), and everybody admitted into their area's lobby through their location grain, as a gate
/// admission does. The ledger is empty: no read consults it.
/// </summary>
internal sealed class BenchEdge : IAsyncDisposable
{
    private BenchEdge(EdgeSilo silo, BenchFloor floor)
    {
        Silo = silo;
        Floor = floor;
    }

    public EdgeSilo Silo { get; }

    public BenchFloor Floor { get; }

    public EdgeTelemetry Telemetry => Silo.Telemetry!;

    public static EdgeSiloOptions Options(BenchFloor floor, string directory) => new()
    {
        EdgeId = "bench",
        DataDirectory = directory,
        LayoutPath = Path.Combine(directory, "venue-layout.json"),
        Gates = [.. floor.Areas.Select(a => new GateDefinition(BenchFloor.Gate(a), $"Gate {a}", CrowdLayout.Lobby(a)))],
    };

    public static async Task WriteLayoutAsync(BenchFloor floor, string directory)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, "venue-layout.json"), CrowdLayout.ToJson(floor.Layout));
    }

    public static async Task<BenchEdge> StartAsync(BenchFloor floor, string directory)
    {
        await WriteLayoutAsync(floor, directory);
        var ledger = new AttendeeLedger("telemetry-bench", [new TicketType("general", false, null)], new TicketKeyRing());
        var silo = await EdgeSilo.StartAsync(Options(floor, directory), ledger, TimeProvider.System);
        var edge = new BenchEdge(silo, floor);
        await AdmitAsync(silo, floor);
        return edge;
    }

    /// <summary>Puts every attendee in their area's lobby, admitted, as the gate does after a scan.</summary>
    public static async Task AdmitAsync(EdgeSilo silo, BenchFloor floor)
    {
        var at = BenchFloor.Opens.AddMinutes(-30);
        var work = new List<Task>(1024);
        foreach (var (attendee, area) in floor.Attendees)
        {
            work.Add(silo.Grains.GetGrain<IAttendeeLocationGrain>(attendee).GateAsync(BenchFloor.Gate(area), CrowdLayout.Lobby(area), true, at));
            if (work.Count == 1024)
            {
                await Task.WhenAll(work);
                work.Clear();
            }
        }

        await Task.WhenAll(work);
    }

    /// <summary>Until the journal holds <paramref name="reads"/> reads (it is handed only distinct ones).</summary>
    public async Task WaitJournaledAsync(long reads, TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            while (Telemetry.Journal.LastReadSequence < reads)
            {
                await Telemetry.Journal.WaitForReadsAsync(Telemetry.Journal.LastReadSequence, timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Waited {limit.TotalSeconds:0} s for the read journal to hold {reads:N0} reads; it holds {Telemetry.Journal.LastReadSequence:N0}.");
        }
    }

    /// <summary>
    /// Until no portal has a pass open (the last passes of the day are decided by the portals' idle
    /// timer, a direction window after their last read); false when <paramref name="limit"/> passes first.
    /// </summary>
    public async Task<bool> DrainPassesAsync(TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var open = 0;
            foreach (var portal in Floor.Layout.Portals)
            {
                open += (await Silo.Grains.GetGrain<IPortalGrain>(portal.Id).GetStatusAsync()).OpenPasses;
            }

            if (open == 0)
            {
                return true;
            }

            if (clock.Elapsed > limit)
            {
                return false;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Zones whose occupancy differs from where the plan put everybody, as "zone has x, plan y".</summary>
    public async Task<(int People, List<string> Differences)> CompareZonesAsync()
    {
        var differences = new List<string>();
        var people = 0;
        foreach (var zone in Floor.Layout.Zones)
        {
            var status = await Silo.Grains.GetGrain<IZoneGrain>(zone.Id).GetStatusAsync();
            var want = Floor.ExpectedZones.GetValueOrDefault(zone.Id);
            people += status.Occupancy;
            if (status.Occupancy != want)
            {
                differences.Add($"{zone.Id} has {status.Occupancy}, plan {want}");
            }
        }

        return (people, differences);
    }

    public async Task<long> MovementsAsync()
    {
        long moves = 0;
        foreach (var portal in Floor.Layout.Portals)
        {
            var status = await Silo.Grains.GetGrain<IPortalGrain>(portal.Id).GetStatusAsync();
            moves += status.MovementsIn + status.MovementsOut;
        }

        return moves;
    }

    public async ValueTask DisposeAsync() => await Silo.DisposeAsync();
}
