using System.Diagnostics;
using Venue.LoadHarness.Reporting;
using Venue.SyncBench.Hosting;
using Venue.SyncBench.Reporting;
using Venue.SyncBench.Scenarios;

namespace Venue.SyncBench;

/// <summary>Runs the chosen scenarios in turn, in one environment (one PostgreSQL server, a fresh database per central).</summary>
internal sealed class SyncBenchRunner(SyncBenchOptions options, TextWriter console)
{
    public async Task<SyncBenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var loadBefore = MachineInfo.LoadAverage();
        var reports = new List<ScenarioReport>();
        string? postgresVersion;
        await using (var environment = new BenchEnvironment(options, console))
        {
            foreach (var name in options.Scenarios)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var scenario = ScenarioCatalog.Create(name);
                var clock = Stopwatch.StartNew();
                console.WriteLine($"== {name}");
                ScenarioReport report;
                try
                {
                    report = await scenario.RunAsync(environment, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    report = new ScenarioReport(name, name);
                    report.Failures.Add($"{e.GetType().Name}: {e.Message}");
                    console.WriteLine($"  failed: {e}");
                }

                report.Elapsed = clock.Elapsed;
                reports.Add(report);
                Settle();
            }

            postgresVersion = environment.PostgresVersion;
        }

        return new SyncBenchReport(options, MachineInfo.Collect(), reports, started, DateTimeOffset.UtcNow, loadBefore, MachineInfo.LoadAverage(), postgresVersion);
    }

    /// <summary>A full collection between scenarios, so one scenario's garbage is not collected in the next.</summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
