namespace Venue.Domain.Readers;

/// <summary>
/// Where reader ingestion (AMQP consumer, HTTP endpoint, the simulator) hands reads. The edge's
/// implementation journals a batch, then moves people through portals and zones.
/// </summary>
public interface IReadSink
{
    /// <summary>Whether a reader with this id (the topic segment or the payload's hostname) is configured in the venue layout.</summary>
    bool IsKnownReader(string readerId);

    /// <summary>
    /// Takes in a batch of reads from known readers. Completes once every read is durable in the
    /// read journal (so the caller may acknowledge the delivery); a read already journaled (same
    /// reader and event number) is counted as a duplicate and applied no second time.
    /// </summary>
    Task<ReadIngestResult> IngestAsync(IReadOnlyList<TagRead> reads, CancellationToken cancellationToken = default);
}

/// <summary>
/// What an ingest did: reads new to the journal, reads it already held, and reads dropped because
/// the reader's clock put them further ahead of the edge's than <c>Edge:Readers:MaxClockAhead</c>.
/// </summary>
public sealed record ReadIngestResult(int Accepted, int Duplicates, int ClockAhead = 0);
