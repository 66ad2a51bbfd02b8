using System.Diagnostics;
using Venue.LoadHarness.Targets;

namespace Venue.LoadHarness.Load;

/// <summary>
/// Closed-loop maximum throughput: N workers each check, await the answer and check again, until
/// the time is up. Checks per second count only answered checks.
/// </summary>
internal sealed class ThroughputPhase(ICheckInTarget target, Workload workload, int workers, TimeSpan duration)
{
    private const int MaxSamples = 8_000_000;
    private const int GiveUpAfterConsecutiveErrors = 100;

    public async Task<ThroughputResult> RunAsync(CancellationToken cancellationToken)
    {
        var latency = new LatencyRecorder(MaxSamples);
        long next = -1;
        long admitted = 0;
        long errors = 0;
        string? firstError = null;
        using var phase = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        phase.CancelAfter(duration + TimeSpan.FromSeconds(30)); // a check hung past the end is abandoned
        var gc = GcActivity.Now();
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);

        async Task<long> Worker()
        {
            await Task.Yield();
            long done = 0;
            var consecutiveErrors = 0;
            while (Stopwatch.GetTimestamp() < end && !phase.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    var ok = await target.CheckInAsync(workload.AttendeeAt(i), workload.GateAt(i), phase.Token);
                    latency.Record(Stopwatch.GetTimestamp() - sent);
                    if (ok)
                    {
                        Interlocked.Increment(ref admitted);
                    }

                    done++;
                    consecutiveErrors = 0;
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref errors);
                    Interlocked.CompareExchange(ref firstError, e.Message, null);
                    if (++consecutiveErrors >= GiveUpAfterConsecutiveErrors)
                    {
                        break;
                    }
                }
            }

            return done;
        }

        var counts = await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(Worker, CancellationToken.None)));
        var elapsed = Stopwatch.GetElapsedTime(start);
        var completed = counts.Sum();
        return new ThroughputResult(workers, completed, elapsed, completed / elapsed.TotalSeconds,
            Interlocked.Read(ref admitted), Interlocked.Read(ref errors), latency.Summarize(), GcActivity.Now().Since(gc), firstError);
    }
}

internal sealed record ThroughputResult(
    int Workers,
    long Completed,
    TimeSpan Elapsed,
    double ChecksPerSecond,
    long Admitted,
    long Errors,
    LatencySummary Latency,
    GcActivity Gc,
    string? FirstError);
