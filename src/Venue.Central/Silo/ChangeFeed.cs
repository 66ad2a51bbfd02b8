using System.Collections.Concurrent;
using Venue.Domain.Central;

namespace Venue.Central.Silo;

/// <summary>
/// The newest ledger version and check-in feed id this central has committed, and a way to wait
/// for either to move: edges long-poll on it, so a change reaches them without polling delay.
/// It also hands the check-ins just stored to one in-process follower (the ops console), which
/// otherwise reads every one of them back from the store: during ingest into PostgreSQL that
/// read-back took about a quarter of central's CPU per entry.
/// </summary>
public sealed class ChangeFeed(long ledgerVersion, long feedId)
{
    /// <summary>How many handed-off check-ins may wait for the follower; past that, it reads them from the store.</summary>
    public const int HandOffCapacity = 100_000;

    private readonly ConcurrentQueue<IReadOnlyList<StoredCheckIn>> _handOff = new();
    private long _ledgerVersion = ledgerVersion;
    private long _feedId = feedId;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _following;
    private int _handedOff;
    private long _handOffsDropped;

    public long LedgerVersion => Interlocked.Read(ref _ledgerVersion);

    public long FeedId => Interlocked.Read(ref _feedId);

    public void LedgerChanged(long version) => Advance(ref _ledgerVersion, version);

    public void FeedAdvanced(long feedId) => Advance(ref _feedId, feedId);

    /// <summary>Batches not handed off because the follower had <see cref="HandOffCapacity"/> check-ins waiting.</summary>
    public long HandOffsDropped => Interlocked.Read(ref _handOffsDropped);

    /// <summary>
    /// Called with what one ingest committed, in feed-id order: hands it to the follower (if one is
    /// attached and not too far behind), then advances the feed, so a follower woken by the advance
    /// finds the batch unless another ingest's advance woke it first; then it reads the gap from
    /// the store, and the batch, arriving late, is passed over.
    /// </summary>
    public void CheckInsStored(IReadOnlyList<StoredCheckIn> inserted)
    {
        if (inserted.Count == 0)
        {
            return;
        }

        if (Volatile.Read(ref _following) == 1)
        {
            if (Interlocked.Add(ref _handedOff, inserted.Count) <= HandOffCapacity)
            {
                _handOff.Enqueue(inserted);
            }
            else
            {
                Interlocked.Add(ref _handedOff, -inserted.Count);
                Interlocked.Increment(ref _handOffsDropped);
            }
        }

        FeedAdvanced(inserted[^1].FeedId);
    }

    /// <summary>Starts handing stored check-ins to <see cref="TryTakeStored"/>; one follower per central.</summary>
    public void Follow()
    {
        if (Interlocked.Exchange(ref _following, 1) == 1)
        {
            throw new InvalidOperationException("The check-in feed already has a follower.");
        }
    }

    /// <summary>Stops handing off and lets go of what was waiting.</summary>
    public void Unfollow()
    {
        Volatile.Write(ref _following, 0);
        while (_handOff.TryDequeue(out var batch))
        {
            Interlocked.Add(ref _handedOff, -batch.Count);
        }
    }

    /// <summary>The next batch handed off by <see cref="CheckInsStored"/>, in the order the ingests called it (not always feed-id order).</summary>
    public bool TryTakeStored(out IReadOnlyList<StoredCheckIn> batch)
    {
        if (_handOff.TryDequeue(out batch!))
        {
            Interlocked.Add(ref _handedOff, -batch.Count);
            return true;
        }

        return false;
    }

    /// <summary>Completes when the ledger passes <paramref name="ledgerAfter"/> or the feed passes <paramref name="feedAfter"/>, or at the timeout.</summary>
    public async Task WaitAsync(long ledgerAfter, long feedAfter, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, cancellationToken);
        while (LedgerVersion <= ledgerAfter && FeedId <= feedAfter)
        {
            var changed = Volatile.Read(ref _changed).Task;
            // Checked again after taking the task: a change between the loop test and here is not missed.
            if (LedgerVersion > ledgerAfter || FeedId > feedAfter)
            {
                return;
            }

            try
            {
                await changed.WaitAsync(linked.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Advance(ref long field, long value)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref field);
            if (value <= current)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref field, value, current) != current);

        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }
}
