using System.CommandLine;
using System.Globalization;
using Venue.TelemetryBench.Floor;
using Venue.TelemetryBench.Reporting;

namespace Venue.TelemetryBench;

/// <summary>The telemetry bench's command line: which scenarios, and their sizes (full by default, small with --quick).</summary>
internal static class TelemetryBenchCommand
{
    public static RootCommand Create()
    {
        var scenario = new Option<string>("--scenario")
        {
            Description = $"Comma-separated scenarios, or 'all'. Known: {string.Join(", ", TelemetryBenchRunner.Names)}.",
            DefaultValueFactory = _ => "all",
        };
        var quick = new Option<bool>("--quick") { Description = "Every scenario small (about a minute): to check the bench works, not to quote." };
        var attendees = new Option<int?>("--attendees") { Description = "Attendees on the edge's floor (default 20,000; quick 2,000)." };
        var areas = new Option<int>("--areas") { Description = "Areas of the floor, three readers each (1 to 8).", DefaultValueFactory = _ => 4 };
        var batch = new Option<int>("--batch") { Description = "Reads per batch in the in-process throughput phase.", DefaultValueFactory = _ => 500 };
        var lead = new Option<long?>("--lead-reads")
        {
            Description = "Reads of the day a reader may hand in beyond the oldest read not yet answered, the same in every closed-loop phase (default: 2 × readers × --batch, 12,000 on 4 areas).",
        };
        var singleReads = new Option<int?>("--single-reads") { Description = "Reads handed in one per batch (default 20,000; quick 5,000)." };
        var naiveReads = new Option<int?>("--naive-reads") { Description = "Reads the transaction-per-read peer takes (default 3,000; quick 500)." };
        var brokerReads = new Option<int?>("--broker-reads") { Description = "Reads published over MQTT in batches, and posted over HTTP (default 200,000; quick 20,000)." };
        var messageReads = new Option<int>("--message-reads") { Description = "Reads per MQTT message or HTTP request.", DefaultValueFactory = _ => 100 };
        var singleMessageReads = new Option<int?>("--single-message-reads") { Description = "Reads published one per MQTT message (default 20,000; quick 2,000)." };
        var inFlight = new Option<int>("--in-flight") { Description = "Per reader, MQTT publishes awaiting their PUBACK, or HTTP requests awaiting their answer, at once (the same for both paths).", DefaultValueFactory = _ => 16 };
        var rates = new Option<string>("--rates") { Description = "Offered reads/s of the in-process latency phases, comma-separated.", DefaultValueFactory = _ => "20000,100000" };
        var brokerRate = new Option<int>("--broker-rate") { Description = "Offered reads/s of the latency phase through MQTT and RabbitMQ.", DefaultValueFactory = _ => 10_000 };
        var seconds = new Option<double?>("--latency-seconds") { Description = "Length of each latency phase (default 8; quick 2)." };
        var tick = new Option<double>("--tick-ms") { Description = "A reader's batching interval in the latency phases, milliseconds.", DefaultValueFactory = _ => 10 };
        var boardAttendees = new Option<int?>("--board-attendees") { Description = "Attendees on the attendee leaderboard before the rounds (default 20,000; quick 2,000)." };
        var booths = new Option<int>("--booths") { Description = "Booths on the booth leaderboard.", DefaultValueFactory = _ => 60 };
        var concurrent = new Option<int>("--concurrent") { Description = "Leaderboard updates issued at once per round.", DefaultValueFactory = _ => 500 };
        var rounds = new Option<int?>("--rounds") { Description = "Rounds of concurrent leaderboard updates (default 40; quick 5)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the crowd's plan and the leaderboard workload.", DefaultValueFactory = _ => 42 };
        var verbose = new Option<bool>("--verbose") { Description = "More progress on the console." };
        var output = new Option<string>("--out")
        {
            Description = "Markdown file for the results (default benchmarks/results/telemetry-bench.md; with --quick a file in the temp directory).",
        };

        var command = new RootCommand("Measures crowd telemetry against the goals: reads/s in process and through MQTT and RabbitMQ, read-to-occupancy latency, leaderboard updates; each beside its peers.")
        {
            scenario, quick, attendees, areas, batch, lead, singleReads, naiveReads, brokerReads, messageReads, singleMessageReads, inFlight,
            rates, brokerRate, seconds, tick, boardAttendees, booths, concurrent, rounds, seed, verbose, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var problems = new List<string>();
            var names = parse.GetValue(scenario)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(n => n.ToLowerInvariant()).ToList();
            if (names is ["all"])
            {
                names = [.. TelemetryBenchRunner.Names];
            }

            problems.AddRange(names.Where(n => !TelemetryBenchRunner.Names.Contains(n)).Select(n => $"--scenario: unknown '{n}'; known: {string.Join(", ", TelemetryBenchRunner.Names)}"));
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

            int Range(Option<int> option, int min, int max)
            {
                var value = parse.GetValue(option);
                if (value < min || value > max)
                {
                    problems.Add($"{option.Name} must be in [{min:N0}, {max:N0}]");
                }

                return value;
            }

            long? Lead()
            {
                var value = parse.GetValue(lead);
                if (value is < 1 or > 100_000_000)
                {
                    problems.Add($"{lead.Name} must be in [1, 100,000,000]");
                }

                return value;
            }

            var rateList = new List<int>();
            foreach (var r in parse.GetValue(rates)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(r, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v is > 0 and <= 10_000_000)
                {
                    rateList.Add(v);
                }
                else
                {
                    problems.Add($"--rates: '{r}' is not a rate in [1, 10,000,000]");
                }
            }

            var latencySeconds = parse.GetValue(seconds) ?? (small ? 2 : 8);
            if (latencySeconds is <= 0 or > 600)
            {
                problems.Add("--latency-seconds must be in (0, 600]");
            }

            var tickMs = parse.GetValue(tick);
            if (tickMs is < 1 or > 1000)
            {
                problems.Add("--tick-ms must be in [1, 1000]");
            }

            var options = new TelemetryBenchOptions
            {
                Scenarios = names,
                Quick = small,
                Attendees = Size(attendees, 20_000, 2_000, 100, 2_000_000),
                Areas = Range(areas, 1, BenchFloor.AreaNames.Length),
                Batch = Range(batch, 1, 16_384),
                LeadReads = Lead(),
                SingleReads = Size(singleReads, 20_000, 5_000, 1, 10_000_000),
                NaiveReads = Size(naiveReads, 3_000, 500, 1, 10_000_000),
                BrokerReads = Size(brokerReads, 200_000, 20_000, 1, 10_000_000),
                MessageReads = Range(messageReads, 1, 2_000),
                SingleMessageReads = Size(singleMessageReads, 20_000, 2_000, 1, 10_000_000),
                InFlight = Range(inFlight, 1, 256),
                Rates = rateList,
                BrokerRate = Range(brokerRate, 1, 10_000_000),
                LatencySeconds = latencySeconds,
                Tick = TimeSpan.FromMilliseconds(tickMs),
                BoardAttendees = Size(boardAttendees, 20_000, 2_000, 1, 10_000_000),
                BoardBooths = Range(booths, 1, 100_000),
                Concurrent = Range(concurrent, 1, 100_000),
                Rounds = Size(rounds, 40, 5, 1, 100_000),
                Seed = parse.GetValue(seed),
                Verbose = parse.GetValue(verbose),
                Out = Path.GetFullPath(parse.GetValue(output) ?? DefaultOutput(small)),
                CommandLine = "dotnet run -c Release --project benchmarks/Venue.TelemetryBench --"
                    + string.Concat(parse.Tokens.Select(t => " " + Quote(t.Value))),
            };

            if (problems.Count > 0)
            {
                problems.ForEach(p => Console.Error.WriteLine(p));
                return 2;
            }

            BenchReport report;
            try
            {
                report = await new TelemetryBenchRunner(options, Console.Out).RunAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("cancelled; the broker and edges the bench started are stopped, no results written.");
                return 130;
            }

            Console.Write(ReportWriter.Text(report));
            Directory.CreateDirectory(Path.GetDirectoryName(options.Out)!);
            await File.WriteAllTextAsync(options.Out, ReportWriter.Markdown(report), CancellationToken.None);
            Console.WriteLine($"results written to {options.Out}");
            return report.Sections.Any(s => s.Failures.Count > 0) ? 1 : 0;
        });
        return command;
    }

    /// <summary>benchmarks/results/telemetry-bench.md under the repository; a quick run goes to the temp directory so it never replaces the full results.</summary>
    private static string DefaultOutput(bool quick)
    {
        if (quick)
        {
            return Path.Combine(Path.GetTempPath(), "telemetry-bench-quick.md");
        }

        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Venue.sln")))
            {
                return Path.Combine(directory.FullName, "benchmarks", "results", "telemetry-bench.md");
            }
        }

        return "telemetry-bench.md";
    }

    private static string Quote(string token) =>
        token.Length > 0 && token.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ',' or '/' or '=' or ':') ? token : $"'{token}'";
}
