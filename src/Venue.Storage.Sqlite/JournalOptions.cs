namespace Venue.Storage.Sqlite;

/// <summary>How the journal keeps its write-ahead log in check. The defaults suit an edge; tests shrink them.</summary>
public sealed record JournalOptions
{
    /// <summary>Commits between background checkpoints (one also runs every second while there are commits).</summary>
    public int CheckpointEveryCommits { get; init; } = 256;

    /// <summary>WAL frames (pages) after which the writer finishes a checkpoint so the WAL starts over: 4,096 frames is 16 MiB.</summary>
    public int RestartWalAfterFrames { get; init; } = 4096;

    /// <summary>
    /// Called once when commits start failing (with the first failure), on the writer thread: where a
    /// host says so in its log. Exceptions it throws are ignored.
    /// </summary>
    public Action<JournalFailure>? Failing { get; init; }

    /// <summary>
    /// While commits fail and nothing is queued, how often the writer tries a write of its own
    /// (<see cref="RawStatements.Probe"/>): an edge taken out of rotation for its 503 gets no scan
    /// that could show it has recovered, so it finds out itself.
    /// </summary>
    public TimeSpan ProbeInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Called once when a commit succeeds after failures (with the failure that ended), on the writer thread.</summary>
    public Action<JournalFailure>? Recovered { get; init; }
}
