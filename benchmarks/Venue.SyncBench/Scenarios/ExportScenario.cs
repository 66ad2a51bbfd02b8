using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Venue.Domain.Central;
using Venue.LoadHarness.Reporting;
using Venue.SyncBench.Hosting;
using Venue.SyncBench.Reporting;
using Venue.SyncBench.Workload;

namespace Venue.SyncBench.Scenarios;

/// <summary>
/// The integrator's check-in export: central holds the rows, an API key with <c>checkins:read</c>
/// streams them all as JSON and as CSV, and the bench watches the process' memory while it does.
/// A tenth of the rows is exported too: memory is flat when ten times the rows take no more of it.
/// </summary>
internal sealed class ExportScenario : ISyncScenario
{
    private const int LoadEdges = 10, LoadBatch = 50_000;
    private const double FlatSlackMegabytes = 32;
    private static readonly string[] Formats = ["json", "csv"];

    public string Name => "export";

    public async Task<ScenarioReport> RunAsync(BenchEnvironment environment, CancellationToken cancellationToken)
    {
        var o = environment.Options;
        var report = new ScenarioReport(Name, $"Check-in export of {o.ExportRows:N0} rows");
        var rates = Formats.ToDictionary(f => f, f => new Figure($"check-in export of {o.ExportRows:N0} rows, GET /v1/checkins?format={f}, rows/s",
            "≥ 100,000, streamed", 100_000, higherIsBetter: true, Units.PerSecond));
        var flat = new Dictionary<string, (bool Met, string Text)>(StringComparer.Ordinal);
        var table = new TextTable("central", "export", "rows", "seconds", "rows/s", "MB/s", "working set before", "peak growth",
            "managed heap before", "peak growth", "read back");
        var loads = new List<string>();
        var hosts = new HashSet<string>(StringComparer.Ordinal);
        await PerStore.RunAsync(environment, report, async store =>
        {
            await using var central = await BenchCentral.StartWithIntegratorAsync(environment, store, "export", cancellationToken);
            hosts.Add(central.HostName);
            var load = await LoadAsync(central, o.ExportRows, o.Seed, cancellationToken);
            loads.Add($"{PerStore.Label(store)}: {o.ExportRows:N0} rows loaded in {Units.Seconds(load)} ({Units.PerSecond(o.ExportRows / load.TotalSeconds)})");
            environment.Console.WriteLine($"  {o.ExportRows:N0} rows loaded in {Units.Seconds(load)}");
            var (_, key) = await central.Silo.Store.CreateApiKeyAsync("sync-bench", [ApiScope.CheckInsRead], 1_000_000, DateTimeOffset.UtcNow, cancellationToken);
            var client = central.Client(key, TimeSpan.FromHours(1));
            var verdicts = new List<(bool Met, string Text)>();
            foreach (var format in Formats)
            {
                var tenth = Math.Max(1, o.ExportRows / 10);
                var small = await ExportAsync(client, format, tenth, cancellationToken);
                var all = await ExportAsync(client, format, null, cancellationToken);
                foreach (var (run, expected) in new[] { (small, (long)tenth), (all, (long)o.ExportRows) })
                {
                    table.Add(PerStore.Label(store), $"{format}{(run.Limit is { } l ? $", limit={l:N0}" : "")}", Units.Count(run.Rows), Seconds(run.Elapsed),
                        Units.PerSecond(run.Rows / run.Elapsed.TotalSeconds), (run.Bytes / run.Elapsed.TotalSeconds / (1024 * 1024)).ToString("0.0", CultureInfo.InvariantCulture),
                        Units.Megabytes(run.Before.WorkingSet), "+" + Units.Megabytes(run.Growth.WorkingSet), Units.Megabytes(run.Before.Heap),
                        "+" + Units.Megabytes(run.Growth.Heap),
                        run.Rows == expected ? "ok" : $"MISMATCH: {run.Rows:N0} rows, {expected:N0} expected");
                }

                rates[format].Set(store, all.Rows / all.Elapsed.TotalSeconds);
                var met = all.Growth.WorkingSet <= small.Growth.WorkingSet + FlatSlackMegabytes * 1024 * 1024;
                verdicts.Add((met, $"{format} +{Units.Megabytes(all.Growth.WorkingSet)} vs +{Units.Megabytes(small.Growth.WorkingSet)}"));
                environment.Console.WriteLine($"  {format}: {all.Rows / all.Elapsed.TotalSeconds:N0} rows/s, working set +{Units.Megabytes(all.Growth.WorkingSet)} " +
                    $"(a tenth of the rows: +{Units.Megabytes(small.Growth.WorkingSet)}), heap +{Units.Megabytes(all.Growth.Heap)}");
            }

            var allFlat = verdicts.All(v => v.Met);
            flat[store] = (allFlat, $"{string.Join("; ", verdicts.Select(v => v.Text))}: {(allFlat ? "flat" : "not flat")}");
            if (central.PostgresConnectionString is { } postgres)
            {
                var copy = await CopyAsync(postgres, cancellationToken);
                table.Add("PostgreSQL, raw", "COPY … TO STDOUT (csv), Npgsql", Units.Count(copy.Rows), Seconds(copy.Elapsed),
                    Units.PerSecond(copy.Rows / copy.Elapsed.TotalSeconds), "-", "-", "-", "-", "-",
                    copy.Rows == o.ExportRows ? "ok" : $"MISMATCH: {copy.Rows:N0} rows");
            }
        }, cancellationToken);

        foreach (var format in Formats)
        {
            report.Goals.Add(rates[format].ToLine());
        }

        string Flat(string store) => flat.TryGetValue(store, out var f) ? f.Text : "-";
        report.Goals.Add(new GoalLine(
            $"check-in export memory: peak working-set growth, all {o.ExportRows:N0} rows vs a tenth of them",
            $"flat: 10× the rows, under {FlatSlackMegabytes:0} MB more",
            Flat(SyncBenchOptions.Postgres),
            flat.TryGetValue(SyncBenchOptions.Postgres, out var p) ? p.Met : null,
            Flat(SyncBenchOptions.Sqlite),
            "-"));
        report.Method.Add($"Rows: {LoadEdges} edges' generated journals (the ingest scenario's mix), written straight into central's store with " +
            $"`ICentralStore.IngestAsync` in batches of {LoadBatch:N0} before the export (set-up, not reconciled). {string.Join("; ", loads)}.");
        report.Method.Add("Export: `GET /v1/checkins?after=0&format=json|csv` with an API key of scope `checkins:read`, over HTTP/1.1 to central on Kestrel; " +
            "the client reads the body to its end as it streams in and counts the rows without parsing them, since a real integrator parses on its own " +
            "machine while this one shares central's two cores (CSV: lines after the header; JSON: each row's first key, `{\"feedId\":`, found with a " +
            "vectorized search, and the document's opening and closing checked). " +
            "rows/s = rows ÷ time from the request to the last byte.");
        report.Method.Add("Memory: the bench's process (central, its Kestrel, and the reading client) after a full collection before each export, then " +
            "sampled every 10 ms on a thread of its own: working set (`Environment.WorkingSet`, resident memory) and managed heap " +
            "(`GC.GetTotalMemory(false)`, which includes garbage not yet collected). The server GC is on, as in the `venue` executable, so the " +
            $"heap breathes by tens of MB between collections whatever is exported. Each format is exported twice: `limit=` a tenth of the rows, then " +
            $"everything; memory is **flat** when the whole export grows the working set by less than {FlatSlackMegabytes:0} MB more than the tenth did.");
        if (o.Stores.Contains(SyncBenchOptions.Postgres))
        {
            report.Method.Add("Floor: PostgreSQL's own `COPY (SELECT * FROM checkins ORDER BY feed_id) TO STDOUT (FORMAT csv)` of the same rows through " +
                "Npgsql, counted by lines: how fast the database alone hands the rows out.");
        }

        report.Tables.Add(("Exports in order:", table));
        return report;
    }

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Writes the rows into central's store as edges' journals, big batches, one edge after another.</summary>
    private static async Task<TimeSpan> LoadAsync(BenchCentral central, int rows, int seed, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var lastAt = DateTimeOffset.UtcNow;
        for (var edge = 0; edge < LoadEdges; edge++)
        {
            var count = rows / LoadEdges + (edge < rows % LoadEdges ? 1 : 0);
            var entries = new JournalGenerator(edge, seed).Entries(count, lastAt);
            foreach (var batch in JournalGenerator.Batches(entries, LoadBatch, LoadBatch, seed))
            {
                await central.Silo.Store.IngestAsync(JournalGenerator.EdgeId(edge), batch, DateTimeOffset.UtcNow, central.Silo.Options.LateAfter, cancellationToken);
            }
        }

        return clock.Elapsed;
    }

    private static async Task<ExportRun> ExportAsync(HttpClient client, string format, long? limit, CancellationToken cancellationToken)
    {
        SyncBenchRunner.Settle();
        var before = MemorySampler.Now();
        var clock = Stopwatch.StartNew();
        (long Rows, long Bytes) counted;
        TimeSpan elapsed;
        var sampler = new MemorySampler(TimeSpan.FromMilliseconds(10));
        try
        {
            var path = $"v1/checkins?after=0&format={format}{(limit is { } l ? $"&limit={l}" : "")}";
            using var response = await client.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new InvalidOperationException($"GET /{path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            counted = format == "csv"
                ? await ExportReader.CountCsvAsync(body, cancellationToken)
                : await ExportReader.CountJsonAsync(body, cancellationToken);
            elapsed = clock.Elapsed;
        }
        finally
        {
            sampler.Dispose();
        }

        return new ExportRun(limit, counted.Rows, counted.Bytes, elapsed, before, sampler.Peak);
    }

    private static async Task<(long Rows, TimeSpan Elapsed)> CopyAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        var clock = Stopwatch.StartNew();
        using var reader = await connection.BeginTextExportAsync("COPY (SELECT * FROM checkins ORDER BY feed_id) TO STDOUT (FORMAT csv)", cancellationToken);
        var buffer = new char[1 << 16];
        long rows = 0;
        int read;
        while ((read = await reader.ReadAsync(buffer, cancellationToken)) > 0)
        {
            rows += buffer.AsSpan(0, read).Count('\n');
        }

        return (rows, clock.Elapsed);
    }

    private sealed record ExportRun(long? Limit, long Rows, long Bytes, TimeSpan Elapsed, MemoryReading Before, MemoryReading Peak)
    {
        public MemoryReading Growth => new(Math.Max(0, Peak.WorkingSet - Before.WorkingSet), Math.Max(0, Peak.Heap - Before.Heap));
    }
}
