namespace Venue.SyncBench.Hosting;

internal static class Await
{
    /// <summary>Awaits an observable state with a time limit, and says what was awaited when the limit passes.</summary>
    public static async Task WithinAsync(Func<CancellationToken, Task> wait, TimeSpan limit, string what, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await wait(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Waited {limit.TotalSeconds:0} s for {what}.");
        }
    }
}
