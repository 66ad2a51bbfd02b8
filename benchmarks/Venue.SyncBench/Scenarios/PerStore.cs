using Venue.SyncBench.Hosting;
using Venue.SyncBench.Reporting;

namespace Venue.SyncBench.Scenarios;

internal static class PerStore
{
    /// <summary>
    /// Runs <paramref name="measure"/> once per store of the run, in order. A store that cannot run
    /// here is noted as skipped; any other failure is recorded and the next store still runs.
    /// </summary>
    public static async Task RunAsync(BenchEnvironment environment, ScenarioReport report, Func<string, Task> measure, CancellationToken cancellationToken)
    {
        foreach (var store in environment.Options.Stores)
        {
            cancellationToken.ThrowIfCancellationRequested();
            environment.Console.WriteLine($"{report.Name} on {store}:");
            try
            {
                await measure(store);
            }
            catch (StoreUnavailableException e)
            {
                report.Notes.Add($"{store}: skipped: {e.Message}");
                environment.Console.WriteLine($"  skipped: {e.Message}");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                report.Failures.Add($"{store}: {e.GetType().Name}: {e.Message}");
                environment.Console.WriteLine($"  failed: {e}");
            }
        }
    }

    /// <summary>"postgres" → "PostgreSQL", for tables.</summary>
    public static string Label(string store) => store == SyncBenchOptions.Postgres ? "PostgreSQL" : "SQLite";
}
