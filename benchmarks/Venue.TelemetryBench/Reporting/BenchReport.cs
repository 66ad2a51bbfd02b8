using Venue.LoadHarness.Reporting;

namespace Venue.TelemetryBench.Reporting;

/// <summary>One scenario's part of the report: how it was measured, its tables, what it read back, what failed.</summary>
internal sealed class Section(string name, string title)
{
    public string Name { get; } = name;

    public string Title { get; } = title;

    public List<string> Method { get; } = [];

    public List<(string Caption, TextTable Table)> Tables { get; } = [];

    public List<string> Notes { get; } = [];

    /// <summary>Steps that failed or read back wrong; the run exits non-zero when any section has one.</summary>
    public List<string> Failures { get; } = [];

    /// <summary>Why the scenario did not run at all (what this machine lacks, such as RabbitMQ); a skip is not a failure.</summary>
    public string? Skipped { get; set; }

    public TimeSpan Elapsed { get; set; }
}

/// <summary>
/// A figure of the issue against its goal, with the peers measured in the same run and Venue's
/// figure over each peer's (above 1: Venue does better).
/// </summary>
internal sealed record GoalLine(string Figure, string Goal, string Measured, bool? Met, string Peers, string Ratios);

internal sealed record BenchReport(
    TelemetryBenchOptions Options,
    MachineInfo Machine,
    IReadOnlyList<GoalLine> Goals,
    IReadOnlyList<Section> Sections,
    DateTimeOffset Started,
    DateTimeOffset Finished,
    string LoadBefore,
    string LoadAfter,
    string? Broker);
