namespace Venue.Central.Sync;

/// <summary>What central knows of one edge's uplink; kept in grain state storage (type "edge-link").</summary>
public sealed class EdgeLinkState
{
    public long HighestContiguous { get; set; }

    public long Batches { get; set; }

    public long Inserted { get; set; }

    public long Duplicates { get; set; }

    public long Late { get; set; }

    public DateTimeOffset? LastUploadAt { get; set; }

    /// <summary>When the newest entry held from this edge happened (edge time).</summary>
    public DateTimeOffset? NewestEntryAt { get; set; }
}
