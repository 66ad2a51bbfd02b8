using Venue.LoadHarness.Load;

namespace Venue.LoadHarness.Targets;

/// <summary>
/// One system that can check an attendee in: "is this attendee inside? if not, mark inside, and
/// record the scan durably". The harness drives every target with the same workload.
/// </summary>
/// <remarks>
/// <see cref="CheckInAsync"/> is called concurrently (up to <see cref="TargetSetup.Concurrency"/>
/// calls at once) and, in the fixed-rate phase, straight from the pacing thread: it must not block
/// that thread on I/O, so synchronous drivers hand their work to a thread of their own.
/// </remarks>
public interface ICheckInTarget : IAsyncDisposable
{
    /// <summary>Name on the command line and in the report, e.g. <c>redis-always</c>.</summary>
    string Name { get; }

    /// <summary>What the target does per check and at which durability, for the report.</summary>
    string Description { get; }

    /// <summary>
    /// Starts whatever server the target needs and loads the ledger with nobody inside. Throws
    /// <see cref="TargetUnavailableException"/> when the target cannot run on this machine.
    /// </summary>
    Task StartAsync(TargetSetup setup, CancellationToken cancellationToken);

    /// <summary>Back to nobody inside and an empty journal, between phases.</summary>
    Task ResetAsync(CancellationToken cancellationToken);

    /// <summary>Checks attendee <paramref name="attendeeIndex"/> in at <paramref name="gate"/>; true when admitted.</summary>
    Task<bool> CheckInAsync(int attendeeIndex, int gate, CancellationToken cancellationToken);

    /// <summary>
    /// Attendees inside and scans journaled, read back from the target's own store after the phase
    /// named <paramref name="phase"/> (a target may note per-phase facts under that name).
    /// </summary>
    Task<TargetTally> TallyAsync(string phase, CancellationToken cancellationToken);

    /// <summary>Versions and settings worth printing with the results (server version, fsync mode).</summary>
    IReadOnlyList<string> Facts { get; }
}

/// <summary>What a target gets to start with.</summary>
/// <param name="Concurrency">The most concurrent checks the harness will make (size connection pools to it).</param>
/// <param name="WorkDirectory">An empty directory of the target's own, deleted after the run.</param>
/// <param name="Warmup">
/// The harness' warm-up time (--warmup-seconds); a target that starts a fresh server process in
/// <see cref="ICheckInTarget.ResetAsync"/> warms that process up for as long, off the workload.
/// </param>
public sealed record TargetSetup(Ledger Ledger, int Gates, int Concurrency, string WorkDirectory, TimeSpan Warmup);

/// <summary>State read back after a phase, to check the target did what it answered.</summary>
public sealed record TargetTally(long Inside, long Journaled);
