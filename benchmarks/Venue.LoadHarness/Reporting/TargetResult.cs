using Venue.LoadHarness.Load;

namespace Venue.LoadHarness.Reporting;

/// <summary>What one target did in the run, filled in phase by phase.</summary>
internal sealed class TargetResult(string name)
{
    public string Name { get; } = name;

    public string Description { get; set; } = "";

    public IReadOnlyList<string> Facts { get; set; } = [];

    public TimeSpan SetupTime { get; set; }

    /// <summary>One fixed-rate phase per offered rate, with its read-back check.</summary>
    public List<(FixedRateResult Result, string Check)> FixedRates { get; } = [];

    public (FixedRateResult Result, string Check)? AtRate(double rate) =>
        FixedRates.FirstOrDefault(f => f.Result.Rate == rate) is { Result: not null } found ? found : null;

    public ThroughputResult? Throughput { get; set; }

    public string? ThroughputCheck { get; set; }

    public string? Skipped { get; set; }

    public string? Failed { get; set; }
}

internal sealed record HarnessReport(
    HarnessOptions Options,
    MachineInfo Machine,
    Workload Workload,
    IReadOnlyList<TargetResult> Targets,
    DateTimeOffset Started,
    DateTimeOffset Finished,
    string LoadBefore,
    string LoadAfter);
