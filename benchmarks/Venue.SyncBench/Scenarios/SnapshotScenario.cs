using System.Diagnostics;
using Venue.Domain.Ledger;
using Venue.LoadHarness.Reporting;
using Venue.SyncBench.Hosting;
using Venue.SyncBench.Reporting;

namespace Venue.SyncBench.Scenarios;

/// <summary>
/// The ledger snapshot to a fresh edge: a brand-new edge with no ledger of its own starts, downloads
/// central's snapshot, validates and loads it and is ready to scan. Also the bare transfer: the
/// snapshot request read straight into a ledger.
/// </summary>
internal sealed class SnapshotScenario : ISyncScenario
{
    public string Name => "snapshot";

    public async Task<ScenarioReport> RunAsync(BenchEnvironment environment, CancellationToken cancellationToken)
    {
        var o = environment.Options;
        var report = new ScenarioReport(Name, $"Ledger snapshot of {o.SnapshotAttendees:N0} attendees to a fresh edge");
        var fresh = new Figure($"ledger snapshot of {o.SnapshotAttendees:N0} attendees to a fresh edge, until ready (median of {o.SnapshotRepeats})",
            "≤ 3 s", 3, higherIsBetter: false, Units.Seconds);
        var raw = new Figure($"ledger snapshot of {o.SnapshotAttendees:N0} attendees, bare transfer: GET /v1/sync/ledger read by LedgerSnapshot.ReadAsync (median of {o.SnapshotRepeats})",
            "≤ 3 s", 3, higherIsBetter: false, Units.Seconds);
        var table = new TextTable("central", "attendees", "snapshot bytes", "GET + ReadAsync, each run", "fresh edge ready, each run",
            "of which ledger download + load", "read back");
        await PerStore.RunAsync(environment, report, async store =>
        {
            await using var central = await BenchCentral.StartAsync(environment, store, "snapshot", cancellationToken: cancellationToken);
            await central.RegisterAsync(o.SnapshotAttendees, "S", cancellationToken);
            var client = central.Client(await central.AddEdgeAsync("edge-reader", cancellationToken));
            var rawTimes = new List<double>();
            var freshTimes = new List<double>();
            var loadTimes = new List<double>();
            long bytes = 0;
            var problems = new List<string>();
            for (var run = 0; run < o.SnapshotRepeats; run++)
            {
                SyncBenchRunner.Settle();
                var clock = Stopwatch.StartNew();
                using (var response = await client.GetAsync("v1/sync/ledger", HttpCompletionOption.ResponseHeadersRead, cancellationToken))
                {
                    response.EnsureSuccessStatusCode();
                    await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                    var ledger = await LedgerSnapshot.ReadAsync(body, "central", cancellationToken);
                    rawTimes.Add(clock.Elapsed.TotalSeconds);
                    if (ledger.Count != o.SnapshotAttendees)
                    {
                        problems.Add($"GET /v1/sync/ledger held {ledger.Count:N0} attendees");
                    }
                }

                SyncBenchRunner.Settle();
                var edgeId = $"edge-fresh-{run + 1}";
                var token = await central.AddEdgeAsync(edgeId, cancellationToken);
                clock.Restart();
                await using var edge = await BenchEdge.StartAsync(environment, edgeId, token, central.Address, cancellationToken: cancellationToken);
                freshTimes.Add(clock.Elapsed.TotalSeconds);
                loadTimes.Add(edge.Silo.Startup.LedgerLoad.TotalSeconds);
                bytes = new FileInfo(Path.Combine(Path.GetDirectoryName(edge.Silo.Journal.Path)!, "ledger.jsonl")).Length;
                if (edge.Silo.Ledger.Count != o.SnapshotAttendees)
                {
                    problems.Add($"{edgeId} started with {edge.Silo.Ledger.Count:N0} attendees");
                }

                environment.Console.WriteLine($"  run {run + 1}: GET + ReadAsync {Units.Seconds(rawTimes[^1])}, fresh edge ready in {Units.Seconds(freshTimes[^1])}");
            }

            raw.Set(store, Median(rawTimes));
            fresh.Set(store, Median(freshTimes));
            table.Add(PerStore.Label(store), Units.Count(o.SnapshotAttendees), Units.Megabytes(bytes), Each(rawTimes), Each(freshTimes), Each(loadTimes),
                problems.Count == 0 ? "ok" : "MISMATCH: " + string.Join("; ", problems));
        }, cancellationToken);

        report.Goals.Add(fresh.ToLine());
        report.Goals.Add(raw.ToLine());
        report.Method.Add($"Central (a fresh store) with {o.SnapshotAttendees:N0} attendees registered with real signed badges. Central is up and idle; " +
            "each measurement is repeated and the median is the figure.");
        report.Method.Add("**Fresh edge ready**: a new edge (registered at central first, untimed) with an empty data directory and no `Edge:LedgerPath` " +
            "starts (`EdgeSilo.StartAsync`): it downloads `GET /v1/sync/ledger` into its data directory, flushes it to disk, reads the whole file back " +
            "to validate it (a venue-ledger/1 snapshot: keys, ticket types, one line per attendee), moves it into place, records the version, opens " +
            "its journal and starts its grains. The clock stops when the start returns: the edge answers scans from then on. " +
            "\"of which ledger download + load\" is the edge's own `Startup.LedgerLoad`.");
        report.Method.Add("**Transfer**: the same request read straight into `LedgerSnapshot.ReadAsync` (no file), from send to the last attendee parsed.");
        report.Tables.Add(("Seconds, every run in order:", table));
        return report;
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string Each(List<double> seconds) => string.Join(", ", seconds.Select(Units.Seconds));
}
