using System.Diagnostics;
using Venue.LoadHarness.Targets;

namespace Venue.LoadHarness.Load;

/// <summary>
/// Closed-loop maximum throughput: N workers each check, await the answer and check again, until
/// the time is up or the workload reaches the ledger's last fresh attendee, whichever comes first.
/// Past that point every check would be a repeat, which costs less, so a faster target would get an
/// easier mix; ending there keeps the mix (the repeat share) the same for every target. Checks per
/// second count only answered checks, over the phase's actual length.
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
        long limit = workload.FreshExhaustedAt >= 0 ? workload.FreshExhaustedAt : long.MaxValue;

        async Task<long> Worker()
        {
            await Task.Yield();
            long done = 0;
            var consecutiveErrors = 0;
            while (Stopwatch.GetTimestamp() < end && !phase.IsCancellationRequested)
            {
                var i = Interlocked.Increment(ref next);
                if (i >= limit)
                {
                    break;
                }

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
        var issued = Math.Min(Interlocked.Read(ref next) + 1, limit);
        return new ThroughputResult(workers, completed, elapsed, completed / elapsed.TotalSeconds,
            Interlocked.Read(ref admitted), Interlocked.Read(ref errors), latency.Summarize(), GcActivity.Now().Since(gc), firstError,
            issued, issued >= limit);
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
    string? FirstError,
    long Issued,
    bool EndedAtLedgerEnd);
