using System.Collections.Concurrent;

namespace Venue.Edge.Tests.Sync;

/// <summary>
/// The real socket handler behind a queue of failures: each request takes the next failure, if any,
/// instead of going out. Network failures as HttpClient really throws them, not all of them wrapped.
/// </summary>
public sealed class FlakyHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly ConcurrentQueue<Exception> _failures = new();

    private int _failed;

    /// <summary>Requests failed so far. Counted atomically: the uplink's upload and ledger feed send at once.</summary>
    public int Failed => Volatile.Read(ref _failed);

    public void FailNext(params Exception[] failures)
    {
        foreach (var failure in failures)
        {
            _failures.Enqueue(failure);
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (_failures.TryDequeue(out var failure))
        {
            Interlocked.Increment(ref _failed);
            return Task.FromException<HttpResponseMessage>(failure);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
