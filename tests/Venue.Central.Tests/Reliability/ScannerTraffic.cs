using System.Collections.Concurrent;
using System.Net;
using Venue.Testing.Processes;

namespace Venue.Central.Tests.Reliability;

/// <summary>
/// Steady scanning at one edge, one scan per tick, with badges no other edge sees: mostly new
/// arrivals, and now and then someone inside leaving, someone inside presented again (refused
/// already_inside) and someone who left coming back (the ticket allows re-entry), so a few are
/// always outside. Every answer is
/// known in advance, whatever the WAN is doing, and any other answer is kept as a failure.
/// </summary>
public sealed class ScannerTraffic : IAsyncDisposable
{
    private readonly LiveEdge _edge;
    private readonly Queue<Badge> _arrivals;
    private readonly List<Badge> _inside = [];
    private readonly Queue<Badge> _left = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;
    private long _scans;

    private ScannerTraffic(LiveEdge edge, IEnumerable<Badge> badges, TimeSpan every)
    {
        _edge = edge;
        _arrivals = new Queue<Badge>(badges);
        _running = Task.Run(() => RunAsync(every));
    }

    public string EdgeId => _edge.Id;

    public long Scans => Interlocked.Read(ref _scans);

    public IReadOnlyCollection<string> Failures => _failures;

    public static ScannerTraffic Start(LiveEdge edge, IEnumerable<Badge> badges, TimeSpan every) => new(edge, badges, every);

    private async Task RunAsync(TimeSpan every)
    {
        using var pace = new PeriodicTimer(every);
        var step = 0;
        try
        {
            while (await pace.WaitForNextTickAsync(_stop.Token))
            {
                await StepAsync(step++);
                Interlocked.Increment(ref _scans);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task StepAsync(int step)
    {
        var gate = _edge.Gates[step % _edge.Gates.Count];
        switch (step % 10)
        {
            case 7 when _inside.Count > 10:
                var leaving = _inside[0];
                _inside.RemoveAt(0);
                if (await ScanAsync(gate, leaving, "exit", "exited"))
                {
                    _left.Enqueue(leaving);
                }

                return;
            case 8 when _inside.Count > 0:
                await ScanAsync(gate, _inside[^1], "entry", "already_inside");
                return;
            case 9 when _left.Count > 3:
                var returning = _left.Dequeue();
                if (await ScanAsync(gate, returning, "entry", "admitted"))
                {
                    _inside.Add(returning);
                }

                return;
        }

        if (_arrivals.TryDequeue(out var arriving))
        {
            if (await ScanAsync(gate, arriving, "entry", "admitted"))
            {
                _inside.Add(arriving);
            }
        }
        else if (_inside.Count > 0)
        {
            await ScanAsync(gate, _inside[step % _inside.Count], "entry", "already_inside");
        }
    }

    private async Task<bool> ScanAsync(string gate, Badge badge, string direction, string expected)
    {
        try
        {
            // Not cancelled on stop: a scan abandoned in flight could still be journaled after the traffic says it stopped.
            var answer = await _edge.Scanner.ScanAsync(gate, badge.Token, direction);
            if (answer.Status == HttpStatusCode.OK && answer.Reason == expected)
            {
                return true;
            }

            _failures.Enqueue($"{direction} of {badge.AttendeeId} at {_edge.Id}/{gate}: expected {expected}, got {answer}");
        }
        catch (HttpRequestException e)
        {
            _failures.Enqueue($"{direction} of {badge.AttendeeId} at {_edge.Id}/{gate}: no answer ({e.Message})");
        }

        return false;
    }

    /// <summary>Stops after the scan in flight: once this returns, no scan of this traffic is pending at the edge.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _running.Within(TimeSpan.FromSeconds(15), $"the scanner traffic at {_edge.Id} to stop");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            _stop.Dispose();
        }
    }
}
