using System.CommandLine;
using Venue.SyncBench.Reporting;
using Venue.SyncBench.Scenarios;

namespace Venue.SyncBench;

/// <summary>The sync bench's command line: which scenarios, on which stores, and their sizes (full by default, small with --quick).</summary>
internal static class SyncBenchCommand
{
    public static RootCommand Create()
    {
        var scenario = new Option<string>("--scenario")
        {
            Description = $"Comma-separated scenarios, or 'all'. Known: {string.Join(", ", ScenarioCatalog.Names)}.",
            DefaultValueFactory = _ => "all",
        };
        var stores = new Option<string>("--stores")
        {
            Description = "Central stores to run on: postgres (measured against the goals), sqlite (the embedded peer), or both.",
            DefaultValueFactory = _ => $"{SyncBenchOptions.Postgres},{SyncBenchOptions.Sqlite}",
        };
        var quick = new Option<bool>("--quick") { Description = "Every scenario small (under a minute in all): to check the bench works, not to quote." };
        var ingestEntries = new Option<int?>("--ingest-entries") { Description = "Entries per ingest phase (default 200,000; quick 6,000)." };
        var ingestEdges = new Option<int?>("--ingest-edges") { Description = "Edges uploading at once in the ingest phases, 1 to 16 (default 4; quick 2)." };
        var catchUpEntries = new Option<int?>("--catchup-entries") { Description = "Entries journaled during the partition (default 100,000; quick 3,000)." };
        var partitionHold = new Option<double?>("--partition-hold") { Description = "Seconds the link stays cut at least (default 20; quick 2)." };
        var partitionMinutes = new Option<double>("--partition-minutes")
        {
            Description = "Age of the buffered entries at heal, in minutes: the partition's length as central sees it.",
            DefaultValueFactory = _ => 10,
        };
        var samples = new Option<int?>("--visibility-samples") { Description = "Admissions timed from edge A to edge B (default 300; quick 20)." };
        var backgroundRate = new Option<double>("--background-rate")
        {
            Description = "Background scans per second at each edge during the visibility samples.",
            DefaultValueFactory = _ => 20,
        };
        var snapshotAttendees = new Option<int?>("--snapshot-attendees") { Description = "Attendees in the snapshot (default 100,000; quick 5,000)." };
        var snapshotRepeats = new Option<int?>("--snapshot-repeats") { Description = "Snapshot downloads timed of each kind (default 3; quick 1)." };
        var exportRows = new Option<int?>("--export-rows") { Description = "Check-in rows exported (default 1,000,000; quick 30,000)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the generated journals and scan orders.", DefaultValueFactory = _ => 42 };
        var verbose = new Option<bool>("--verbose") { Description = "Show central's and the edges' warnings and errors." };
        var output = new Option<string>("--out")
        {
            Description = "Markdown file for the results (default benchmarks/results/sync-bench.md; with --quick a file in the temp directory).",
        };

        var command = new RootCommand("Measures edge-central sync against the goals: ingest, catch-up, visibility, snapshot, export; PostgreSQL central with SQLite as the peer.")
        {
            scenario, stores, quick, ingestEntries, ingestEdges, catchUpEntries, partitionHold, partitionMinutes, samples, backgroundRate,
            snapshotAttendees, snapshotRepeats, exportRows, seed, verbose, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var problems = new List<string>();
            var names = List(parse.GetValue(scenario)!);
            if (names is ["all"])
            {
                names = [.. ScenarioCatalog.Names];
            }

            problems.AddRange(names.Where(n => !ScenarioCatalog.Names.Contains(n)).Select(n => $"--scenario: unknown '{n}'; known: {string.Join(", ", ScenarioCatalog.Names)}"));
            var storeNames = List(parse.GetValue(stores)!);
            problems.AddRange(storeNames.Where(s => s is not (SyncBenchOptions.Postgres or SyncBenchOptions.Sqlite)).Select(s => $"--stores: unknown '{s}'; known: postgres, sqlite"));
            if (storeNames.Count == 0 || names.Count == 0)
            {
                problems.Add("--scenario and --stores need at least one name each");
            }

            var small = parse.GetValue(quick);
            int Size(Option<int?> option, int full, int quickSize, int min, int max)
            {
                var value = parse.GetValue(option) ?? (small ? quickSize : full);
                if (value < min || value > max)
                {
                    problems.Add($"{option.Name} must be in [{min:N0}, {max:N0}]");
                }

                return value;
            }

            var hold = parse.GetValue(partitionHold) ?? (small ? 2 : 20);
            if (hold is < 0 or > 600)
            {
                problems.Add("--partition-hold must be in [0, 600] seconds");
            }

            if (parse.GetValue(partitionMinutes) is < 0 or > 24 * 60)
            {
                problems.Add("--partition-minutes must be in [0, 1440]");
            }

            if (parse.GetValue(backgroundRate) is < 0 or > 1_000)
            {
                problems.Add("--background-rate must be in [0, 1000] scans/s");
            }

            var options = new SyncBenchOptions
            {
                Scenarios = names,
                Stores = [.. new[] { SyncBenchOptions.Postgres, SyncBenchOptions.Sqlite }.Where(storeNames.Contains)],
                Quick = small,
                IngestEntries = Size(ingestEntries, 200_000, 6_000, 100, 10_000_000),
                IngestEdges = Size(ingestEdges, 4, 2, 1, 16),
                CatchUpEntries = Size(catchUpEntries, 100_000, 3_000, 10, 2_000_000),
                PartitionHold = TimeSpan.FromSeconds(hold),
                PartitionAge = TimeSpan.FromMinutes(parse.GetValue(partitionMinutes)),
                VisibilitySamples = Size(samples, 300, 20, 1, 100_000),
                BackgroundRate = parse.GetValue(backgroundRate),
                SnapshotAttendees = Size(snapshotAttendees, 100_000, 5_000, 1, 5_000_000),
                SnapshotRepeats = Size(snapshotRepeats, 3, 1, 1, 100),
                ExportRows = Size(exportRows, 1_000_000, 30_000, 1, 50_000_000),
                Seed = parse.GetValue(seed),
                Verbose = parse.GetValue(verbose),
                Out = Path.GetFullPath(parse.GetValue(output) ?? DefaultOutput(small)),
                CommandLine = "dotnet run -c Release --project benchmarks/Venue.SyncBench --"
                    + string.Concat(parse.Tokens.Select(t => " " + Quote(t.Value))),
            };

            if (problems.Count > 0)
            {
                problems.ForEach(p => Console.Error.WriteLine(p));
                return 2;
            }

            SyncBenchReport report;
            try
            {
                report = await new SyncBenchRunner(options, Console.Out).RunAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("cancelled; the servers the bench started are stopped, no results written.");
                return 130;
            }

            Console.Write(SyncReportWriter.Text(report));
            Directory.CreateDirectory(Path.GetDirectoryName(options.Out)!);
            await File.WriteAllTextAsync(options.Out, SyncReportWriter.Markdown(report), CancellationToken.None);
            Console.WriteLine($"results written to {options.Out}");
            return report.Scenarios.Any(s => s.Failures.Count > 0) ? 1 : 0;
        });
        return command;
    }

    private static List<string> List(string value) =>
        [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(v => v.ToLowerInvariant())];

    /// <summary>
    /// benchmarks/results/sync-bench.md under the repository the bench is run from; a quick run
    /// goes to the temp directory so it never replaces the full-size results.
    /// </summary>
    private static string DefaultOutput(bool quick)
    {
        if (quick)
        {
            return Path.Combine(Path.GetTempPath(), "sync-bench-quick.md");
        }

        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Venue.sln")))
            {
                return Path.Combine(directory.FullName, "benchmarks", "results", "sync-bench.md");
            }
        }

        return "sync-bench.md";
    }

    private static string Quote(string token) =>
        token.Length > 0 && token.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ',' or '/' or '=' or ':') ? token : $"'{token}'";
}
