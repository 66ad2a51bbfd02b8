namespace Venue.Central.Silo;

/// <summary>
/// The newest ledger version and check-in feed id this central has committed, and a way to wait
/// for either to move: edges long-poll on it, so a change reaches them without polling delay.
/// </summary>
public sealed class ChangeFeed(long ledgerVersion, long feedId)
{
    private long _ledgerVersion = ledgerVersion;
    private long _feedId = feedId;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long LedgerVersion => Interlocked.Read(ref _ledgerVersion);

    public long FeedId => Interlocked.Read(ref _feedId);

    public void LedgerChanged(long version) => Advance(ref _ledgerVersion, version);

    public void FeedAdvanced(long feedId) => Advance(ref _feedId, feedId);

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
