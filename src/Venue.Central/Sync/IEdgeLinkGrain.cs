using Venue.Domain.Journal;
using Venue.Runtime;

namespace Venue.Central.Sync;

/// <summary>
/// Central's end of one edge's uplink (key: edge id). Its turns serialize that edge's uploads, so a
/// retried batch racing its original is stored once and answered consistently.
/// </summary>
[GrainType("edge-link")]
public interface IEdgeLinkGrain : IGrainWithStringKey
{
    Task<EdgeLinkReceipt> IngestAsync(IReadOnlyList<JournalEntry> entries);

    [ReadOnly]
    Task<EdgeLinkState> GetStateAsync();
}

/// <summary>The answer to one upload.</summary>
public sealed record EdgeLinkReceipt(long HighestContiguous, int Inserted, int Duplicates);
