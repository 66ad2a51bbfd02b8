using Venue.Central.Silo;
using Venue.Domain.Central;
using Venue.Domain.Journal;

namespace Venue.Simulation;

/// <summary>
/// Everything a finished run left behind, as read back after it: what was planned and answered,
/// every edge's journal, central's copy of them and what central made of it, and the timings.
/// <see cref="Injector"/> says what the partition held up (null: no partition).
/// </summary>
internal sealed record SimulationFacts(
    SimulationOptions Options,
    EdgeTopology Layout,
    IReadOnlyList<PlannedScan> Plan,
    IReadOnlyList<ScanOutcome> Outcomes,
    IReadOnlyDictionary<string, IReadOnlyList<JournalEntry>> Journals,
    IReadOnlyList<StoredCheckIn> CentralCheckIns,
    EventStats CentralStats,
    IReadOnlyList<Conflict> Conflicts,
    TimeSpan Elapsed,
    EdgeStartupFigures Startup,
    IReadOnlyList<EdgeSyncFigures> Edges,
    PartitionFigures? Partition,
    PartitionInjector? Injector,
    TimeSpan Registration,
    TimeSpan Drain);
