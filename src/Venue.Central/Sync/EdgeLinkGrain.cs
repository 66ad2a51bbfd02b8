using Venue.Central.Silo;
using Venue.Domain.Central;
using Venue.Domain.Journal;
using Venue.Runtime;

namespace Venue.Central.Sync;

public sealed class EdgeLinkGrain(ICheckInStore store, Reconciler reconciler, ChangeFeed feed, TimeSpan lateAfter)
    : Grain<EdgeLinkState>, IEdgeLinkGrain
{
    public async Task<EdgeLinkReceipt> IngestAsync(IReadOnlyList<JournalEntry> entries)
    {
        if (await reconciler.RepairIfDirtyAsync() is { } repairedThrough)
        {
            feed.FeedAdvanced(repairedThrough);
        }

        var now = Time.GetUtcNow();
        IngestResult result;
        try
        {
            result = await store.IngestAsync(Key, entries, now, lateAfter);
            if (result.Inserted.Count > 0)
            {
                feed.CheckInsStored(result.Inserted);
                // Stored first, reconciled second: a crash between the two is repaired by the rebuild on start,
                // a failure between them by the repair before the next upload.
                await reconciler.ApplyAsync(result.Inserted);
            }
        }
        catch
        {
            // The transaction may have committed with its answer lost: the edge's retry will find these
            // entries already stored, so nothing would reconcile them but a repair.
            reconciler.MarkDirty();
            throw;
        }

        State.HighestContiguous = result.HighestContiguous;
        State.Batches++;
        State.Inserted += result.Inserted.Count;
        State.Duplicates += result.Duplicates;
        State.Late += result.Inserted.Count(c => c.Late);
        State.LastUploadAt = now;
        foreach (var c in result.Inserted)
        {
            if (State.NewestEntryAt is not { } newest || c.Entry.At > newest)
            {
                State.NewestEntryAt = c.Entry.At;
            }
        }

        await WriteStateAsync();
        return new EdgeLinkReceipt(result.HighestContiguous, result.Inserted.Count, result.Duplicates);
    }

    public Task<EdgeLinkState> GetStateAsync() => Task.FromResult(State);
}
