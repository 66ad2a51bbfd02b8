using Venue.LoadHarness.Reporting;

namespace Venue.SyncBench.Reporting;

/// <summary>What one scenario measured: its lines against the goals, its detail tables, how it was measured and what went wrong.</summary>
internal sealed class ScenarioReport(string name, string title)
{
    public string Name { get; } = name;

    public string Title { get; } = title;

    public List<GoalLine> Goals { get; } = [];

    /// <summary>How the figures were taken, one bullet each.</summary>
    public List<string> Method { get; } = [];

    public List<(string Caption, TextTable Table)> Tables { get; } = [];

    /// <summary>Facts of this run worth reading next to the figures (read-back checks, set-up times).</summary>
    public List<string> Notes { get; } = [];

    /// <summary>Stores or steps that failed, with why; the run exits non-zero when any scenario has one.</summary>
    public List<string> Failures { get; } = [];

    public TimeSpan Elapsed { get; set; }
}

/// <summary>
/// One line of the summary: a figure on the PostgreSQL central against its goal, with the embedded
/// SQLite central beside it and the ratio between the two (above 1: PostgreSQL does better).
/// </summary>
internal sealed record GoalLine(string Figure, string Goal, string Postgres, bool? Met, string Sqlite, string Ratio);

/// <summary>The whole run, as the report writer needs it.</summary>
internal sealed record SyncBenchReport(
    SyncBenchOptions Options,
    MachineInfo Machine,
    IReadOnlyList<ScenarioReport> Scenarios,
    DateTimeOffset Started,
    DateTimeOffset Finished,
    string LoadBefore,
    string LoadAfter,
    string? PostgresVersion);
