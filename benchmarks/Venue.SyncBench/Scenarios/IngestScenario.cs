using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Venue.Central.Silo;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Domain.Sync;
using Venue.LoadHarness.Load;
using Venue.LoadHarness.Reporting;
using Venue.Simulation;
using Venue.SyncBench.Hosting;
using Venue.SyncBench.Reporting;
using Venue.SyncBench.Workload;

namespace Venue.SyncBench.Scenarios;

/// <summary>
/// Journal ingest at central: the same generated journals of several edges, uploaded at once in
/// batches of 1,000 to 2,000 entries, at three depths: the store alone, the silo (store, reconciliation,
/// the edge's link grain), and the whole path over HTTP as edges upload. A fresh store for each.
/// </summary>
internal sealed class IngestScenario : ISyncScenario
{
    private const int MinBatch = 1_000, MaxBatch = 2_000, WarmupEntries = 2_000;
    private const string WarmupEdge = "edge-warmup";

    public string Name => "ingest";

    public async Task<ScenarioReport> RunAsync(BenchEnvironment environment, CancellationToken cancellationToken)
    {
        var o = environment.Options;
        var report = new ScenarioReport(Name, "Journal ingest at central");
        var workload = Workload.Create(o.IngestEntries, o.IngestEdges, o.Seed);
        environment.Console.WriteLine($"  {workload.Entries:N0} entries from {o.IngestEdges} edges in {workload.Batches.Sum(b => b.Count):N0} batches " +
            $"of {MinBatch:N0} to {MaxBatch:N0}; {workload.AdmittedAttendees:N0} attendees admitted");

        var full = new Figure($"journal ingest at central, full path (HTTP POST /v1/sync/journal, {o.IngestEdges} edges at once), entries/s",
            "≥ 50,000", 50_000, higherIsBetter: true, Units.PerSecond);
        var storeOnly = new Figure("journal ingest at central, store alone (ICentralStore.IngestAsync), entries/s",
            "≥ 50,000", 50_000, higherIsBetter: true, Units.PerSecond);
        var table = new TextTable("central", "path", "entries", "seconds", "entries/s", "batch p50", "batch p99", "batch max",
            "CPU per 1,000 entries", "GC pause (gen0/1/2)", "read back");
        await PerStore.RunAsync(environment, report, async store =>
        {
            var byStore = await StoreAsync(environment, store, workload, cancellationToken);
            Add(table, store, "store alone", byStore);
            storeOnly.Set(store, byStore.PerSecond);

            var bySilo = await SiloAsync(environment, store, workload, cancellationToken);
            Add(table, store, "silo (store + reconciliation)", bySilo);

            var byHttp = await HttpAsync(environment, store, workload, cancellationToken);
            Add(table, store, "HTTP, whole path", byHttp);
            full.Set(store, byHttp.PerSecond);
        }, cancellationToken);

        report.Goals.Add(full.ToLine());
        report.Goals.Add(storeOnly.ToLine());
        report.Method.Add($"Workload: {o.IngestEdges} edges' journals, {workload.Entries:N0} entries in all (seed {o.Seed}), generated before timing: " +
            "86 % admissions of attendees not seen before, 6 % badges presented again (already inside), 3 % exits, 3 % unknown tickets, " +
            "2 % refused at the gate; 40 gates, random 22-character nonces, sequences from 1 per edge.");
        report.Method.Add($"Each edge uploads its journal in order, batch after batch ({MinBatch:N0} to {MaxBatch:N0} entries, sizes seeded), " +
            "all edges at once; a batch's latency is from send to receipt. Rate = entries ÷ time from the first send to the last receipt.");
        report.Method.Add("Three depths, each on a fresh store: **store alone** (`ICentralStore.IngestAsync`: one transaction per batch that " +
            "stores what is new, numbers it in the feed and moves the edge's contiguous position); **silo** (`CentralSilo.IngestAsync`: that, " +
            "then reconciliation in the attendees' history grains and the edge link grain's state write); **HTTP, whole path** (`POST /v1/sync/journal` " +
            "to central on Kestrel with each edge's device token, one keep-alive connection per edge; JSON bodies serialized before timing, " +
            "since real edges are other machines).");
        report.Method.Add($"Each depth first uploads {WarmupEntries:N0} entries of an extra edge, untimed, so the code is compiled before the clock starts.");
        report.Method.Add("Read back afterwards: every edge's entry count and contiguous position at central must equal what it sent, and " +
            "(silo and HTTP) central's count of attendees admitted at least once must equal the distinct admissions sent.");
        report.Method.Add("\"CPU per 1,000 entries\" is the bench process' own CPU time (central, the sending side, the bench) over the phase, " +
            "PostgreSQL's server processes not included; on a shared machine it moves less than the rate does.");
        report.Tables.Add(("Entries per second by central store and depth:", table));
        return report;
    }

    private static void Add(TextTable table, string store, string path, PhaseResult r) =>
        table.Add(PerStore.Label(store), path, Units.Count(r.Entries), r.Elapsed.TotalSeconds.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture),
            Units.PerSecond(r.PerSecond), Units.Millis(r.Batches.P50), Units.Millis(r.Batches.P99), Units.Millis(r.Batches.Max),
            Units.Millis(r.Cpu.TotalMilliseconds * 1_000 / r.Entries), r.Gc.ToString(), r.Check);

    private static async Task<PhaseResult> StoreAsync(BenchEnvironment environment, string store, Workload workload, CancellationToken cancellationToken)
    {
        var (options, _) = await BenchCentral.OptionsAsync(environment, store, "ingest_store", cancellationToken);
        await using var centralStore = await CentralStoreFactory.OpenAsync(options, TimeProvider.System, cancellationToken);
        async Task<long> Send(string edgeId, List<JournalEntry> batch) =>
            (await centralStore.IngestAsync(edgeId, batch, DateTimeOffset.UtcNow, options.LateAfter, cancellationToken)).HighestContiguous;

        await Send(WarmupEdge, workload.Warmup);
        var result = await DriveAsync(workload, (edge, batch) => Send(workload.EdgeIds[edge], workload.Batches[edge][batch]));
        var check = await ReadBackAsync(centralStore, workload, admitted: null, cancellationToken);
        return Done(environment, "store alone", result with { Check = check });
    }

    private static async Task<PhaseResult> SiloAsync(BenchEnvironment environment, string store, Workload workload, CancellationToken cancellationToken)
    {
        var (options, _) = await BenchCentral.OptionsAsync(environment, store, "ingest_silo", cancellationToken);
        var centralStore = await CentralStoreFactory.OpenAsync(options, TimeProvider.System, cancellationToken);
        await using var silo = await CentralSilo.StartAsync(options, centralStore, TimeProvider.System, cancellationToken: cancellationToken);
        async Task<long> Send(string edgeId, List<JournalEntry> batch) => (await silo.IngestAsync(edgeId, batch)).HighestContiguous;

        await Send(WarmupEdge, workload.Warmup);
        var result = await DriveAsync(workload, (edge, batch) => Send(workload.EdgeIds[edge], workload.Batches[edge][batch]));
        var check = await ReadBackAsync(centralStore, workload, silo.Reconciler.Admitted, cancellationToken);
        return Done(environment, "silo", result with { Check = check });
    }

    private static async Task<PhaseResult> HttpAsync(BenchEnvironment environment, string store, Workload workload, CancellationToken cancellationToken)
    {
        await using var central = await BenchCentral.StartAsync(environment, store, "ingest_http", cancellationToken: cancellationToken);
        var clients = new Dictionary<string, HttpClient>(StringComparer.Ordinal);
        foreach (var edgeId in workload.EdgeIds.Append(WarmupEdge))
        {
            clients[edgeId] = central.Client(await central.AddEdgeAsync(edgeId, cancellationToken));
        }

        var bodies = workload.Batches.Select((batches, edge) => batches.Select(b => Body(workload.EdgeIds[edge], b)).ToList()).ToList();
        async Task<long> Send(string edgeId, byte[] body)
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await clients[edgeId].PostAsync("v1/sync/journal", content, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"POST /v1/sync/journal for {edgeId} answered {(int)response.StatusCode}: {text}");
            }

            return JsonSerializer.Deserialize(text, SyncJsonContext.Default.JournalReceiptWire)!.HighestContiguous;
        }

        await Send(WarmupEdge, Body(WarmupEdge, workload.Warmup));
        var result = await DriveAsync(workload, (edge, batch) => Send(workload.EdgeIds[edge], bodies[edge][batch]));
        var check = await ReadBackAsync(central.Silo.Store, workload, central.Silo.Reconciler.Admitted, cancellationToken);
        return Done(environment, "HTTP", result with { Check = check });
    }

    private static byte[] Body(string edgeId, List<JournalEntry> batch) =>
        JsonSerializer.SerializeToUtf8Bytes(new JournalBatchWire(edgeId, [.. batch.Select(e => e.ToWire())]), SyncJsonContext.Default.JournalBatchWire);

    private static PhaseResult Done(BenchEnvironment environment, string path, PhaseResult result)
    {
        environment.Console.WriteLine($"  {path,-12} {result.PerSecond,10:N0} entries/s  batch p99 {result.Batches.P99:N0} ms  GC {result.Gc}  {result.Check}");
        SyncBenchRunner.Settle();
        return result;
    }

    /// <summary>Every edge uploads its batches one after the other, all edges at once; returns the rate and each batch's latency.</summary>
    private static async Task<PhaseResult> DriveAsync(Workload workload, Func<int, int, Task<long>> send)
    {
        var latencies = new ConcurrentQueue<double>();
        var gc = GcActivity.Now();
        var cpu = Environment.CpuUsage.TotalTime;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(workload.Batches.Select((batches, edge) => Task.Run(async () =>
        {
            long contiguous = 0;
            for (var i = 0; i < batches.Count; i++)
            {
                var started = Stopwatch.GetTimestamp();
                contiguous = await send(edge, i);
                latencies.Enqueue(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            if (contiguous != batches.Sum(b => b.Count))
            {
                throw new InvalidOperationException($"{workload.EdgeIds[edge]}: central's last receipt says {contiguous:N0} held without a gap, not {batches.Sum(b => b.Count):N0}.");
            }
        })));
        var elapsed = clock.Elapsed;
        return new PhaseResult(workload.Entries, elapsed, LatencySummary.Of(latencies), GcActivity.Now().Since(gc),
            Environment.CpuUsage.TotalTime - cpu, "");
    }

    private static async Task<string> ReadBackAsync(ICentralStore store, Workload workload, long? admitted, CancellationToken cancellationToken)
    {
        var totals = await store.GetTotalsAsync(cancellationToken);
        var problems = new List<string>();
        for (var edge = 0; edge < workload.EdgeIds.Count; edge++)
        {
            var id = workload.EdgeIds[edge];
            var sent = workload.Batches[edge].Sum(b => b.Count);
            var held = totals.ByEdge.GetValueOrDefault(id);
            var contiguous = await store.GetContiguousSequenceAsync(id, cancellationToken);
            if (held != sent || contiguous != sent)
            {
                problems.Add($"{id}: {held:N0} stored, contiguous {contiguous:N0}, sent {sent:N0}");
            }
        }

        if (admitted is { } a && a != workload.AdmittedAttendees + workload.WarmupAdmitted)
        {
            problems.Add($"{a:N0} attendees admitted at central, {workload.AdmittedAttendees + workload.WarmupAdmitted:N0} sent");
        }

        return problems.Count == 0 ? "ok" : "MISMATCH: " + string.Join("; ", problems);
    }

    private sealed record PhaseResult(long Entries, TimeSpan Elapsed, LatencySummary Batches, GcActivity Gc, TimeSpan Cpu, string Check)
    {
        public double PerSecond => Entries / Elapsed.TotalSeconds;
    }

    /// <summary>The edges' journals cut into batches, the same for every store and depth.</summary>
    private sealed record Workload(IReadOnlyList<string> EdgeIds, IReadOnlyList<List<List<JournalEntry>>> Batches, List<JournalEntry> Warmup,
        long AdmittedAttendees, long WarmupAdmitted)
    {
        public long Entries => Batches.Sum(edge => edge.Sum(b => (long)b.Count));

        public static Workload Create(int entries, int edges, int seed)
        {
            var lastAt = DateTimeOffset.UtcNow;
            var ids = Enumerable.Range(0, edges).Select(JournalGenerator.EdgeId).ToList();
            var batches = Enumerable.Range(0, edges).Select(edge =>
            {
                var count = entries / edges + (edge < entries % edges ? 1 : 0);
                return JournalGenerator.Batches(new JournalGenerator(edge, seed).Entries(count, lastAt), MinBatch, MaxBatch, seed + edge).ToList();
            }).ToList();
            var warmup = new JournalGenerator(99, seed).Entries(WarmupEntries, lastAt).ToList();
            static long Admitted(IEnumerable<JournalEntry> all) => all.Count(e => e.Reason == ScanReason.Admitted);
            return new Workload(ids, batches, warmup, Admitted(batches.SelectMany(b => b.SelectMany(x => x))), Admitted(warmup));
        }
    }
}
