namespace Venue.Simulation;

/// <summary>
/// What the edges and central did about each other: each edge's journal and central's copy of it,
/// the partition and the catch-up after it, how long an entry journaled while its link was up took
/// to reach central (<see cref="LagMs"/>), and what central made of it all (conflicts, late entries,
/// people inside counted once).
/// </summary>
public sealed record SyncFigures(
    IReadOnlyList<EdgeSyncFigures> Edges,
    PartitionFigures? Partition,
    LatencySummary LagMs,
    long CentralEntries,
    long LateEntries,
    TimeSpan LateAfter,
    long Conflicts,
    int PlannedConflicts,
    long CentralInside,
    long CentralAdmitted,
    int OtherEdgeScans,
    int OtherEdgeRefused,
    double RegistrationMs,
    double DrainSeconds);

/// <summary>
/// One edge: gates served, journal entries and disk commits, how many of them central holds,
/// passages from other edges it took in, and where its ledger came from.
/// </summary>
public sealed record EdgeSyncFigures(
    string EdgeId,
    int Gates,
    long JournalEntries,
    long JournalCommits,
    long HeldAtCentral,
    long RemotePassagesApplied,
    string LedgerSource,
    double StartupMs);

/// <summary>
/// The partition of one edge from central (and so from every other edge): when it was cut and
/// healed (seconds into the rush), what the proxy did, the journal entries the edge held that
/// central lacked at the heal, and how long after the heal the edge had caught up both ways
/// (central holds them: upload; the edge has read what the others did meanwhile: feed); null if it never did.
/// </summary>
public sealed record PartitionFigures(
    string EdgeId,
    double CutAtSeconds,
    double? HealedAtSeconds,
    int ConnectionsCut,
    long RefusedWhilePartitioned,
    long EntriesBuffered,
    double? CatchUpSeconds,
    double? UploadCatchUpSeconds,
    double? FeedCatchUpSeconds);
