using System.CommandLine;
using Venue.LoadHarness.Reporting;
using Venue.LoadHarness.Targets;

namespace Venue.LoadHarness;

/// <summary>The harness' command line.</summary>
internal static class HarnessCommand
{
    public static RootCommand Create()
    {
        var targets = new Option<string>("--targets")
        {
            Description = $"Comma-separated targets, or 'all'. Known: {string.Join(", ", TargetCatalog.All)}.",
            DefaultValueFactory = _ => string.Join(',', TargetCatalog.Defaults),
        };
        var rate = new Option<string>("--rate")
        {
            Description = "Offered checks per second of the fixed-rate latency phase; a comma-separated list runs one phase per rate.",
            DefaultValueFactory = _ => "1000,5000",
        };
        var seconds = new Option<double>("--seconds") { Description = "Length of each measured phase, in seconds.", DefaultValueFactory = _ => 4 };
        var workers = new Option<int>("--workers")
        {
            Description = "Concurrent workers in the throughput phase (and connections per target).",
            DefaultValueFactory = _ => 64,
        };
        var attendees = new Option<int>("--attendees") { Description = "Attendees in the ledger.", DefaultValueFactory = _ => 200_000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the workload (attendee order, repeats, gates).", DefaultValueFactory = _ => 42 };
        var repeatShare = new Option<double>("--repeat-share")
        {
            Description = "Share of checks that re-present a badge already presented.",
            DefaultValueFactory = _ => 0.1,
        };
        var gates = new Option<int>("--gates") { Description = "Gates the checks are spread over.", DefaultValueFactory = _ => 40 };
        var warmup = new Option<double>("--warmup-seconds") { Description = "Unmeasured closed-loop warm-up per target; venue-http also warms up every restarted edge process this long, at least 20 s.", DefaultValueFactory = _ => 2 };
        var output = new Option<string>("--out")
        {
            Description = "Markdown file for the results (default benchmarks/results/load-harness.md under the repository).",
        };

        var command = new RootCommand("Measures check-in (check-and-mark, durably journaled) for Venue and its peers side by side in one run.")
        {
            targets, rate, seconds, workers, attendees, seed, repeatShare, gates, warmup, output,
        };
        command.Subcommands.Add(ConsoleLoad.ConsoleLoadCommand.Create());
        command.SetAction(async (parse, cancellationToken) =>
        {
            var names = parse.GetValue(targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (names is ["all"])
            {
                names = [.. TargetCatalog.Defaults];
            }

            var unknown = names.Where(n => !TargetCatalog.All.Contains(n)).ToList();
            var problems = new List<string>();
            if (unknown.Count > 0)
            {
                problems.Add($"unknown target(s) {string.Join(", ", unknown)}; known: {string.Join(", ", TargetCatalog.All)}");
            }

            var rates = new List<double>();
            foreach (var part in parse.GetValue(rate)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (double.TryParse(part, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var r)
                    && r is > 0 and <= 1_000_000)
                {
                    rates.Add(r);
                }
                else
                {
                    problems.Add($"--rate: '{part}' is not a rate in (0, 1,000,000]");
                }
            }

            if (rates.Count == 0 || rates.Distinct().Count() != rates.Count)
            {
                problems.Add("--rate needs at least one rate, each once");
            }

            if (parse.GetValue(seconds) is <= 0 or > 600)
            {
                problems.Add("--seconds must be in (0, 600]");
            }

            if (parse.GetValue(workers) is < 1 or > 1_000)
            {
                problems.Add("--workers must be in [1, 1000]");
            }

            if (parse.GetValue(attendees) is < 1 or > 9_999_999)
            {
                problems.Add("--attendees must be in [1, 9,999,999]");
            }

            if (parse.GetValue(repeatShare) is < 0 or >= 1)
            {
                problems.Add("--repeat-share must be in [0, 1)");
            }

            if (parse.GetValue(gates) is < 1 or > 256)
            {
                problems.Add("--gates must be in [1, 256]");
            }

            if (parse.GetValue(warmup) is < 0 or > 60)
            {
                problems.Add("--warmup-seconds must be in [0, 60]");
            }

            var outPath = Path.GetFullPath(parse.GetValue(output) ?? DefaultOutput("load-harness.md"));
            if (WritableProblem(outPath) is { } outProblem)
            {
                problems.Add($"--out: {outProblem}");
            }

            if (problems.Count > 0)
            {
                problems.ForEach(p => Console.Error.WriteLine(p));
                return 2;
            }

            var options = new HarnessOptions
            {
                Targets = names,
                Rates = rates,
                Seconds = parse.GetValue(seconds),
                Workers = parse.GetValue(workers),
                Attendees = parse.GetValue(attendees),
                Seed = parse.GetValue(seed),
                RepeatShare = parse.GetValue(repeatShare),
                Gates = parse.GetValue(gates),
                WarmupSeconds = parse.GetValue(warmup),
                Out = outPath,
                CommandLine = "dotnet run -c Release --project benchmarks/Venue.LoadHarness --"
                    + string.Concat(parse.Tokens.Select(t => " " + Quote(t.Value))),
            };

            HarnessReport report;
            try
            {
                report = await new HarnessRunner(options, Console.Out).RunAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("cancelled; the servers the harness started are stopped, no results written.");
                return 130;
            }

            Console.Write(ReportWriter.Text(report));
            Directory.CreateDirectory(Path.GetDirectoryName(options.Out)!);
            await File.WriteAllTextAsync(options.Out, ReportWriter.Markdown(report), CancellationToken.None);
            Console.WriteLine($"results written to {options.Out}");
            var wrong = report.Targets
                .Where(t => t.Failed is not null
                    || t.FixedRates.Any(f => f.Check != "ok" || f.Result.Errors > 0)
                    || (t.Throughput is not null && (t.ThroughputCheck != "ok" || t.Throughput.Errors > 0)))
                .Select(t => t.Name)
                .ToList();
            if (wrong.Count > 0)
            {
                await Console.Error.WriteLineAsync($"failed, read back wrong, or checks in error: {string.Join(", ", wrong)} (see the tables)");
                return 1;
            }

            return 0;
        });
        return command;
    }

    /// <summary>benchmarks/results/<paramref name="file"/> under the repository the harness is run from, else the current directory.</summary>
    internal static string DefaultOutput(string file)
    {
        for (var directory = new DirectoryInfo(Environment.CurrentDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Venue.sln")))
            {
                return Path.Combine(directory.FullName, "benchmarks", "results", file);
            }
        }

        return file;
    }

    /// <summary>
    /// Why the results could not be written to <paramref name="path"/>, or null when they can: found
    /// before the run, not after minutes of it. Leaves an existing file as it is.
    /// </summary>
    internal static string? WritableProblem(string path)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            if (Directory.Exists(path))
            {
                return $"{path} is a directory";
            }

            if (File.Exists(path))
            {
                using (File.Open(path, FileMode.Open, FileAccess.Write))
                {
                }

                return null;
            }

            File.WriteAllBytes(path, []);
            File.Delete(path);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return $"cannot write {path}: {e.Message}";
        }
    }

    internal static string Quote(string token) =>
        token.Length > 0 && token.All(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' or ',' or '/' or '=' or ':') ? token : $"'{token}'";
}
