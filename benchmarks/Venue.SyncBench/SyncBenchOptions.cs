namespace Venue.SyncBench;

/// <summary>Everything one run is told on the command line, sizes already resolved (full or <c>--quick</c>).</summary>
internal sealed record SyncBenchOptions
{
    public const string Postgres = "postgres";
    public const string Sqlite = "sqlite";

    public required IReadOnlyList<string> Scenarios { get; init; }

    /// <summary>Central stores to run each scenario on; PostgreSQL is measured against the goals, SQLite is the embedded peer.</summary>
    public required IReadOnlyList<string> Stores { get; init; }

    public required bool Quick { get; init; }

    /// <summary>Journal entries uploaded in each ingest phase, spread over <see cref="IngestEdges"/> edges.</summary>
    public required int IngestEntries { get; init; }

    public required int IngestEdges { get; init; }

    /// <summary>Entries the edge journals while cut off from central.</summary>
    public required int CatchUpEntries { get; init; }

    /// <summary>Shortest time the link stays cut, so the uplink's retry backoff reaches its ceiling as in a long partition.</summary>
    public required TimeSpan PartitionHold { get; init; }

    /// <summary>How old the buffered entries are when the link heals (the partition's length as central sees it).</summary>
    public required TimeSpan PartitionAge { get; init; }

    /// <summary>Admissions timed from edge A's answer to edge B knowing the attendee is inside.</summary>
    public required int VisibilitySamples { get; init; }

    /// <summary>Background scans per second at each edge during the visibility samples.</summary>
    public required double BackgroundRate { get; init; }

    public required int SnapshotAttendees { get; init; }

    public required int SnapshotRepeats { get; init; }

    public required int ExportRows { get; init; }

    public required int Seed { get; init; }

    /// <summary>Warnings and errors of central and the edges on the console.</summary>
    public required bool Verbose { get; init; }

    public required string Out { get; init; }

    /// <summary>The command line as typed, for the report.</summary>
    public required string CommandLine { get; init; }
}
