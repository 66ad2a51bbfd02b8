using Venue.SyncBench.Hosting;
using Venue.SyncBench.Reporting;

namespace Venue.SyncBench.Scenarios;

/// <summary>One figure (or a few) of the central issue, measured on each central store of the run.</summary>
internal interface ISyncScenario
{
    string Name { get; }

    Task<ScenarioReport> RunAsync(BenchEnvironment environment, CancellationToken cancellationToken);
}
