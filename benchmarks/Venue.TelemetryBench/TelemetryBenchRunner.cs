using System.Diagnostics;
using Venue.LoadHarness.Reporting;
using Venue.TelemetryBench.Reporting;
using Venue.TelemetryBench.Scenarios;

namespace Venue.TelemetryBench;

/// <summary>Runs the chosen scenarios in turn in one context (one floor, one RabbitMQ node).</summary>
internal sealed class TelemetryBenchRunner(TelemetryBenchOptions options, TextWriter console)
{
    public static readonly string[] Names = [InProcessScenario.Name, BrokerScenario.Name, LatencyScenario.Name, LeaderboardScenario.Name];

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var loadBefore = MachineInfo.LoadAverage();
        var sections = new List<Section>();
        List<GoalLine> goals;
        string? broker;
        await using (var context = new BenchContext(options, console))
        {
            foreach (var name in options.Scenarios)
            {
                cancellationToken.ThrowIfCancellationRequested();
                console.WriteLine($"== {name}");
                var clock = Stopwatch.StartNew();
                Section section;
                try
                {
                    section = name switch
                    {
                        InProcessScenario.Name => await InProcessScenario.RunAsync(context, cancellationToken),
                        BrokerScenario.Name => await BrokerScenario.RunAsync(context, cancellationToken),
                        LatencyScenario.Name => await LatencyScenario.RunAsync(context, cancellationToken),
                        LeaderboardScenario.Name => await LeaderboardScenario.RunAsync(context, cancellationToken),
                        _ => throw new ArgumentException($"unknown scenario {name}"),
                    };
                }
                catch (BrokerUnavailableException e)
                {
                    // Not a failure: this machine cannot run the broker (the message says what was not found).
                    section = new Section(name, name) { Skipped = e.Message };
                    console.WriteLine($"  skipped: {e.Message}");
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    section = new Section(name, name);
                    section.Failures.Add($"{e.GetType().Name}: {e.Message}");
                    console.WriteLine($"  failed: {e}");
                }

                section.Elapsed = clock.Elapsed;
                sections.Add(section);
                InProcessScenario.SettleGc();
            }

            goals = context.Goals;
            broker = context.BrokerVersion;
        }

        return new BenchReport(options, MachineInfo.Collect(), goals, sections, started, DateTimeOffset.UtcNow, loadBefore, MachineInfo.LoadAverage(), broker);
    }
}
