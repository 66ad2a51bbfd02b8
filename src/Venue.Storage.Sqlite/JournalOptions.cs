namespace Venue.Storage.Sqlite;

/// <summary>How the journal keeps its write-ahead log in check. The defaults suit an edge; tests shrink them.</summary>
public sealed record JournalOptions
{
    /// <summary>Commits between background checkpoints (one also runs every second while there are commits).</summary>
    public int CheckpointEveryCommits { get; init; } = 256;

    /// <summary>WAL frames (pages) after which the writer finishes a checkpoint so the WAL starts over: 4,096 frames is 16 MiB.</summary>
    public int RestartWalAfterFrames { get; init; } = 4096;
}
