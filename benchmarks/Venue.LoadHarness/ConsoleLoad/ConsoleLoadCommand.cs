using System.CommandLine;
using System.Globalization;

namespace Venue.LoadHarness.ConsoleLoad;

/// <summary><c>console</c>: the harness' console benchmark (ops console stream clients on one edge under scan load).</summary>
internal static class ConsoleLoadCommand
{
    public static Command Create()
    {
        var clients = new Option<string>("--clients")
        {
            Description = "Stream clients of each level, comma-separated, run in this order (0: the same edge with no console open).",
            DefaultValueFactory = _ => "0,50,200,400,0",
        };
        var rate = new Option<double>("--rate") { Description = "Scans offered per second during each level.", DefaultValueFactory = _ => 5_000 };
        var seconds = new Option<double>("--seconds") { Description = "Length of each level's measured phase, in seconds.", DefaultValueFactory = _ => 10 };
        var gates = new Option<int>("--gates") { Description = "Gates the scans are spread over.", DefaultValueFactory = _ => 40 };
        var seed = new Option<int>("--seed") { Description = "Seed of the workload.", DefaultValueFactory = _ => 42 };
        var repeatShare = new Option<double>("--repeat-share") { Description = "Share of scans that re-present a badge.", DefaultValueFactory = _ => 0.1 };
        var warmup = new Option<double>("--warmup-seconds") { Description = "Closed-loop warm-up of the edge before the first level (at least 20 s).", DefaultValueFactory = _ => 20 };
        var probes = new Option<int>("--probes") { Description = "Clients per level that also time each scan from its send.", DefaultValueFactory = _ => 8 };
        var output = new Option<string>("--out") { Description = "Markdown file for the results (default benchmarks/results/console-load.md under the repository)." };

        var command = new Command("console", "Ops console stream clients on one real venue edge while it serves a fixed scan rate: scan latency per client count, event delivery and delay.")
        {
            clients, rate, seconds, gates, seed, repeatShare, warmup, probes, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var problems = new List<string>();
            var levels = new List<int>();
            foreach (var part in parse.GetValue(clients)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is >= 0 and <= 5_000)
                {
                    levels.Add(n);
                }
                else
                {
                    problems.Add($"--clients: '{part}' is not a client count in [0, 5000]");
                }
            }

            if (levels.Count == 0)
            {
                problems.Add("--clients needs at least one level");
            }

            if (parse.GetValue(rate) is <= 0 or > 100_000)
            {
                problems.Add("--rate must be in (0, 100,000]");
            }

            if (parse.GetValue(seconds) is <= 0 or > 120)
            {
                problems.Add("--seconds must be in (0, 120]");
            }

            if (parse.GetValue(gates) is < 1 or > 256)
            {
                problems.Add("--gates must be in [1, 256]");
            }

            if (parse.GetValue(repeatShare) is < 0 or >= 1)
            {
                problems.Add("--repeat-share must be in [0, 1)");
            }

            if (parse.GetValue(warmup) is < 0 or > 120)
            {
                problems.Add("--warmup-seconds must be in [0, 120]");
            }

            if (parse.GetValue(probes) < 0)
            {
                problems.Add("--probes must be 0 or more");
            }

            if (levels.Count > 0 && parse.GetValue(rate) * parse.GetValue(seconds) * levels.Count > 9_000_000)
            {
                problems.Add("--rate × --seconds × levels must stay under 9,000,000 attendees");
            }

            var outPath = Path.GetFullPath(parse.GetValue(output) ?? HarnessCommand.DefaultOutput("console-load.md"));
            if (HarnessCommand.WritableProblem(outPath) is { } outProblem)
            {
                problems.Add($"--out: {outProblem}");
            }

            if (problems.Count > 0)
            {
                problems.ForEach(p => Console.Error.WriteLine(p));
                return 2;
            }

            var options = new ConsoleLoadOptions
            {
                Clients = levels,
                Rate = parse.GetValue(rate),
                Seconds = parse.GetValue(seconds),
                Gates = parse.GetValue(gates),
                Seed = parse.GetValue(seed),
                RepeatShare = parse.GetValue(repeatShare),
                WarmupSeconds = parse.GetValue(warmup),
                ProbeClients = parse.GetValue(probes),
                Out = outPath,
                CommandLine = "dotnet run -c Release --project benchmarks/Venue.LoadHarness -- console"
                    + string.Concat(parse.Tokens.Skip(1).Select(t => " " + HarnessCommand.Quote(t.Value))),
            };

            ConsoleLoadReport report;
            try
            {
                report = await new ConsoleLoadRunner(options, Console.Out).RunAsync(cancellationToken);
            }
            catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException or HttpRequestException
                                          or Targets.TargetUnavailableException)
            {
                // The edge did not start, or its clients could not connect: say what, not where in the harness.
                await Console.Error.WriteLineAsync($"console load: {e.Message}");
                return 1;
            }

            Console.Write(report.Text());
            Directory.CreateDirectory(Path.GetDirectoryName(options.Out)!);
            await File.WriteAllTextAsync(options.Out, report.Markdown(), CancellationToken.None);
            Console.WriteLine($"results written to {options.Out}");
            return report.Levels.Any(l => l.Failures.Count > 0 || l.Scans.Errors > 0) ? 1 : 0;
        });
        return command;
    }
}
