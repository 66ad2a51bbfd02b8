namespace Venue.Simulation;

/// <summary>What a simulated rush did, and whether it was right.</summary>
public sealed record SimulationReport(
    int Attendees,
    int Gates,
    int ScansSent,
    int Admitted,
    int Exited,
    IReadOnlyDictionary<string, int> RefusedByReason,
    int DuplicatesBlocked,
    int BadRequestsRejected,
    TimeSpan Elapsed,
    double ScansPerSecond,
    double PeakScansPerSecond,
    LatencySummary ServerMs,
    LatencySummary RoundTripMs,
    long JournalEntries,
    long JournalCommits,
    EdgeStartupFigures Startup,
    SyncFigures Sync,
    IReadOnlyList<VerdictCheck> Checks)
{
    /// <summary>The crowd's day on the floor after the rush (RFID reads, zones, booths, boards); null with --no-crowd.</summary>
    public Crowd.CrowdFigures? Crowd { get; init; }

    /// <summary>Every check passed, but for those the run gave nothing to judge (<see cref="VerdictCheck.Exercised"/> false).</summary>
    public bool Passed => Checks.All(c => c.Passed || !c.Exercised);
}

/// <summary>
/// One check of the verdict. A check the run gave nothing to judge (no retry planned, no partition
/// long enough for a double, one edge only) is not exercised: neither passed nor failed, shown as such
/// in the report, and it does not fail the verdict.
/// </summary>
public sealed record VerdictCheck(string Name, bool Passed, string Detail)
{
    public bool Exercised { get; init; } = true;

    public static VerdictCheck NotExercised(string name, string detail) => new(name, false, detail) { Exercised = false };
}

/// <summary>The slowest edge's start: attendees in its ledger, loading it (download from central included), and the whole start.</summary>
public sealed record EdgeStartupFigures(int Attendees, double LedgerLoadMs, double TotalMs);
