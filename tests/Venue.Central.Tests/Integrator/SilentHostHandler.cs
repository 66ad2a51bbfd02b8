using System.Net;

namespace Venue.Central.Tests.Integrator;

/// <summary>
/// Webhook subscribers in process: requests to the silent host are taken and never answered (a hung
/// server, dropped packets) until the sender cancels them; every other host answers 200 at once.
/// Counts what it saw, and lets a test await a state of those counts.
/// </summary>
internal sealed class SilentHostHandler(string silentHost) : HttpMessageHandler
{
    private static readonly TaskCompletionSource<HttpResponseMessage> Never = new();

    private readonly object _gate = new();
    private readonly Dictionary<string, int> _started = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(Func<SilentHostHandler, bool> Condition, TaskCompletionSource Signal)> _waiters = [];
    private int _hanging;
    private int _mostHanging;
    private int _abandoned;

    /// <summary>Requests sent to <paramref name="host"/> so far.</summary>
    public int Started(string host)
    {
        lock (_gate)
        {
            return _started.GetValueOrDefault(host);
        }
    }

    /// <summary>Requests to the silent host waiting now.</summary>
    public int Hanging
    {
        get { lock (_gate) { return _hanging; } }
    }

    /// <summary>The most requests to the silent host that waited at once.</summary>
    public int MostHangingAtOnce
    {
        get { lock (_gate) { return _mostHanging; } }
    }

    /// <summary>Requests to the silent host the sender cancelled (timed out, stopped, or dropped).</summary>
    public int Abandoned
    {
        get { lock (_gate) { return _abandoned; } }
    }

    /// <summary>Completes once <paramref name="condition"/> holds (it is checked after every change).</summary>
    public Task Until(Func<SilentHostHandler, bool> condition)
    {
        lock (_gate)
        {
            if (condition(this))
            {
                return Task.CompletedTask;
            }

            var signal = Signal.New();
            _waiters.Add((condition, signal));
            return signal.Task;
        }
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var host = request.RequestUri!.Host;
        var silent = string.Equals(host, silentHost, StringComparison.OrdinalIgnoreCase);
        Change(() =>
        {
            _started[host] = _started.GetValueOrDefault(host) + 1;
            if (silent)
            {
                _hanging++;
                _mostHanging = Math.Max(_mostHanging, _hanging);
            }
        });
        if (!silent)
        {
            return new HttpResponseMessage(HttpStatusCode.OK);
        }

        try
        {
            return await Never.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            Change(() =>
            {
                _hanging--;
                _abandoned++;
            });
        }
    }

    private void Change(Action change)
    {
        lock (_gate)
        {
            change();
            foreach (var waiter in _waiters.Where(w => w.Condition(this)).ToList())
            {
                waiter.Signal.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }
}
