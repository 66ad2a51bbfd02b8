using Microsoft.Extensions.Logging;
using Venue.Domain.Journal;
using Venue.Domain.Sync;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Sync;

/// <summary>
/// Ships the journal to central: asks where central's copy ends, sends the entries after it in
/// batches, and goes on from what each receipt says central now holds without a gap. Central's
/// answer alone decides where to resume, so a gap at central (or a central restored from backup) is
/// filled by sending again, and nothing is skipped. When caught up it waits for the journal's next
/// commit rather than polling. Every failure is retried with backoff, after asking the position again.
/// </summary>
internal sealed class JournalUploader(
    string edgeId,
    SqliteCheckInJournal journal,
    CentralClient client,
    CentralSyncOptions options,
    TimeProvider time,
    LinkHealth health,
    ILogger logger,
    Action progressed)
{
    /// <summary>
    /// After a commit wakes the uploader it waits this long for more, so a steady trickle of scans
    /// goes up in a few batches rather than one request per commit; small against the 1 s
    /// edge-to-edge goal.
    /// </summary>
    internal static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(10);

    private readonly object _gate = new();
    private long _uploaded = -1;
    private DateTimeOffset? _lastUploadAt;

    /// <summary>Highest sequence central acknowledged holding without a gap; -1 before central first answered.</summary>
    public long UploadedSequence => Interlocked.Read(ref _uploaded);

    public DateTimeOffset? LastUploadAt
    {
        get { lock (_gate) { return _lastUploadAt; } }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var backoff = new Backoff(options.RetryMin, options.RetryMax);
        var batchSize = options.UploadBatchSize;
        long? position = null;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (position is not { } after)
                {
                    // Not yet a success for the log: a central that answers this but refuses every
                    // upload would otherwise log "answers again" and the failure on every round.
                    after = await AskPositionAsync(cancellationToken);
                    position = after;
                }

                var batch = ReadBatch(after, batchSize);
                if (batch.Count == 0)
                {
                    health.Succeeded();
                    backoff.Reset();
                    await journal.WaitForAppendAsync(after, cancellationToken);
                    await Task.Delay(Coalesce, time, cancellationToken);
                    continue;
                }

                var receipt = await client.UploadAsync(new JournalBatchWire(edgeId, [.. batch.Select(e => e.ToWire())]), cancellationToken);
                health.Succeeded();
                Acknowledged(receipt.HighestContiguous);
                position = receipt.HighestContiguous;
                batchSize = Math.Min(options.UploadBatchSize, batchSize * 2);
                if (receipt.HighestContiguous <= after)
                {
                    // Central kept nothing contiguous from this batch: sending it again at once would spin.
                    throw new CentralException(
                        $"POST /v1/sync/journal: central's copy still ends at {receipt.HighestContiguous} after an upload of {batch[0].Sequence}..{batch[^1].Sequence}; sending again from there.");
                }

                backoff.Reset();
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                if (e is not (CentralException or Microsoft.Data.Sqlite.SqliteException))
                {
                    logger.LogError(e, "Uploading the journal failed unexpectedly; starting over from central's position.");
                }

                if (e is CentralException { StatusCode: 413 } && batchSize > 1)
                {
                    batchSize = Math.Max(1, batchSize / 2);
                    logger.LogWarning("Central refused a journal batch as too large; sending {BatchSize} entries per batch for now.", batchSize);
                }

                // Whatever happened, central's next answer decides where to go on from.
                position = null;
                var delay = backoff.Next();
                health.Failed(e, delay);
                progressed();
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    private async Task<long> AskPositionAsync(CancellationToken cancellationToken)
    {
        var answer = await client.GetJournalPositionAsync(cancellationToken);
        if (!string.Equals(answer.EdgeId, edgeId, StringComparison.Ordinal))
        {
            throw new CentralException(
                $"GET /v1/sync/journal/position: central knows this token as edge '{answer.EdgeId}', but this is edge '{edgeId}'; fix Edge:Central:Token or Edge:EdgeId.", 403);
        }

        if (answer.HighestContiguous > 0)
        {
            await EnsureSameJournalAsync(answer.HighestContiguous, cancellationToken);
        }

        Acknowledged(answer.HighestContiguous);
        return answer.HighestContiguous;
    }

    /// <summary>
    /// Central's copy must be of this journal. An edge id given to a new data directory (a spare
    /// machine, a wiped disk, a journal restored from an older backup) numbers its entries from where
    /// the old one was, and central would take every entry up to its position for a duplicate and
    /// drop it. So before anything is sent: central may not hold more than this journal has, and its
    /// last entry must be this journal's entry there. Otherwise nothing is uploaded; the edge scans on
    /// and keeps every entry, and says what to do until it is given an edge id of its own.
    /// </summary>
    private async Task EnsureSameJournalAsync(long held, CancellationToken cancellationToken)
    {
        var local = journal.LastSequence;
        if (held > local)
        {
            throw Diverged($"central holds entries 1 to {held} of edge '{edgeId}', but this journal ends at {local}");
        }

        var theirs = await client.GetJournalEntryAsync(held, cancellationToken);
        var mine = SqliteCheckInJournal.ReadAll(journal.Path, held - 1).First().ToWire();
        if (theirs is not null && (theirs.Hlc, theirs.Nonce, theirs.Gate, theirs.Attendee, theirs.Reason) != (mine.Hlc, AsStored(mine.Nonce), AsStored(mine.Gate), AsStored(mine.Attendee), mine.Reason))
        {
            throw Diverged($"central's entry {held} of edge '{edgeId}' (gate {theirs.Gate}, nonce {theirs.Nonce}, at {theirs.At:u}) is not this journal's (gate {mine.Gate}, nonce {mine.Nonce}, at {mine.At:u})");
        }
    }

    /// <summary>As central stores text: a NUL becomes U+FFFD (PostgreSQL text cannot hold one; CentralStoreRules).</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(text))]
    private static string? AsStored(string? text) => text?.Replace('\0', '\uFFFD');

    private static CentralException Diverged(string what) => new(
        $"{what}: this data directory is not the one that uploaded them, and its entries would be taken for duplicates. Nothing is uploaded; scans go on and stay in this journal. Give this edge an edge id of its own (Edge:EdgeId, and a central token made for that id) and restart it: its journal then goes up under the new id.",
        409);

    private void Acknowledged(long highestContiguous)
    {
        Interlocked.Exchange(ref _uploaded, highestContiguous);
        lock (_gate)
        {
            _lastUploadAt = time.GetUtcNow();
        }

        progressed();
    }

    private List<JournalEntry> ReadBatch(long after, int size) => [.. SqliteCheckInJournal.ReadAll(journal.Path, after).Take(size)];

    /// <summary>When the oldest entry central has not acknowledged was made; null when everything is acknowledged.</summary>
    public DateTimeOffset? OldestUnacknowledgedAt()
    {
        var uploaded = Math.Max(0, UploadedSequence);
        if (journal.LastSequence <= uploaded)
        {
            return null;
        }

        return SqliteCheckInJournal.ReadAll(journal.Path, uploaded).Select(e => (DateTimeOffset?)e.At).FirstOrDefault();
    }
}
