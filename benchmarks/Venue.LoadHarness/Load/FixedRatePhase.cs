using System.Diagnostics;
using Venue.LoadHarness.Targets;

namespace Venue.LoadHarness.Load;

/// <summary>
/// Open-loop latency at a fixed offered rate. Check i is due at start + i / rate whatever happened
/// to earlier checks, and its latency is counted from that due time, not from when it was actually
/// sent: a target that stalls is charged for every check that queued behind the stall, so
/// coordinated omission cannot hide it. One pacing thread starts every check itself, without
/// waiting for earlier ones; the target's own pool decides how many run at once.
/// </summary>
internal sealed class FixedRatePhase(ICheckInTarget target, Workload workload, double rate, TimeSpan duration, double spinMicroseconds)
{
    private readonly LatencyRecorder _latency = new((int)Math.Ceiling(rate * duration.TotalSeconds));
    private readonly LatencyRecorder _lag = new((int)Math.Ceiling(rate * duration.TotalSeconds));
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _inFlight = 1; // the pacing thread holds one until it has started every check
    private long _admitted;
    private long _errors;
    private long _answered;
    private long _cancelled;
    private long _lastAnswerAt;
    private string? _firstError;

    public async Task<FixedRateResult> RunAsync(CancellationToken cancellationToken)
    {
        var total = (int)Math.Ceiling(rate * duration.TotalSeconds);
        using var phase = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var gc = GcActivity.Now();
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 100; // 10 ms to get the thread going
        var started = 0;
        var pacing = new Thread(() =>
        {
            var pacer = new Pacer(spinMicroseconds);
            pacer.PrepareCurrentThread();
            for (var i = 0; i < total && !phase.IsCancellationRequested; i++)
            {
                var due = start + (long)(i * (Stopwatch.Frequency / rate));
                pacer.WaitUntil(due);
                _lag.Record(Stopwatch.GetTimestamp() - due);
                Interlocked.Increment(ref _inFlight);
                Task<bool> check;
                try
                {
                    check = target.CheckInAsync(workload.AttendeeAt(i), workload.GateAt(i), phase.Token);
                }
                catch (Exception e)
                {
                    check = Task.FromException<bool>(e);
                }

                if (check.IsCompleted)
                {
                    Complete(check, due);
                }
                else
                {
                    check.ContinueWith(static (t, state) => ((Pending)state!).Phase.Complete(t, ((Pending)state!).Due),
                        new Pending(this, due), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                }

                started++;
            }

            Release();
        })
        { IsBackground = true, Name = "fixed-rate pacer", Priority = ThreadPriority.AboveNormal };
        pacing.Start();

        // Checks still queued well after the last one was due are abandoned (and reported) so the
        // run stays bounded even against a target far slower than the offered rate.
        var grace = TimeSpan.FromSeconds(Math.Max(5, duration.TotalSeconds));
        var drained = await Task.WhenAny(_drained.Task, Task.Delay(duration + grace, cancellationToken)) == _drained.Task;
        if (!drained)
        {
            await phase.CancelAsync();
            await Task.WhenAny(_drained.Task, Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None));
        }

        pacing.Join();
        var answered = Interlocked.Read(ref _answered);
        var errors = Interlocked.Read(ref _errors);
        // Checks that never came back at all are charged at least the time since the last one was due:
        // left out, they would make the percentiles look better the worse the target does.
        var now = Stopwatch.GetTimestamp();
        var unfinished = started - answered - errors - Interlocked.Read(ref _cancelled);
        var waitedSinceLastDue = now - (start + (long)((started - 1) * (Stopwatch.Frequency / rate)));
        for (var i = 0; i < unfinished; i++)
        {
            _latency.Record(waitedSinceLastDue);
        }

        // So are checks the pacer never started because the phase gave up first: all were due by then.
        for (var i = started; i < total; i++)
        {
            _latency.Record(Math.Max(0, now - (start + (long)(i * (Stopwatch.Frequency / rate)))));
        }

        var lastDue = start + (long)((total - 1) * (Stopwatch.Frequency / rate));
        var lastAnswer = Interlocked.Read(ref _lastAnswerAt);
        return new FixedRateResult(
            rate,
            total,
            started,
            answered,
            Interlocked.Read(ref _admitted),
            errors,
            total - answered - errors,
            _latency.Summarize(),
            _lag.Summarize(),
            GcActivity.Now().Since(gc),
            _firstError,
            TimeSpan.FromSeconds(Math.Max(0, (lastAnswer == 0 ? now : lastAnswer) - lastDue) / (double)Stopwatch.Frequency),
            duration);
    }

    private void Complete(Task<bool> check, long due)
    {
        var now = Stopwatch.GetTimestamp();
        if (check.IsCompletedSuccessfully)
        {
            InterlockedMax(ref _lastAnswerAt, now);
            _latency.Record(now - due);
            Interlocked.Increment(ref _answered);
            if (check.Result)
            {
                Interlocked.Increment(ref _admitted);
            }
        }
        else if (check.IsCanceled)
        {
            // Abandoned when the phase gave up waiting: its latency is at least how long it had waited.
            _latency.Record(now - due);
            Interlocked.Increment(ref _cancelled);
        }
        else
        {
            Interlocked.Increment(ref _errors);
            Interlocked.CompareExchange(ref _firstError, check.Exception?.InnerException?.Message, null);
        }

        Release();
    }

    private static void InterlockedMax(ref long location, long value)
    {
        var seen = Interlocked.Read(ref location);
        while (value > seen)
        {
            var was = Interlocked.CompareExchange(ref location, value, seen);
            if (was == seen)
            {
                return;
            }

            seen = was;
        }
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }
    }

    private sealed record Pending(FixedRatePhase Phase, long Due);
}

/// <param name="Abandoned">
/// Checks not answered when the phase gave up waiting (cancelled, never finished, or never started).
/// They are in the percentiles at the time they had waited when abandoned, so with any abandoned the
/// percentiles are lower bounds.
/// </param>
/// <param name="Lag">How late the pacer started checks (generator delay, included in the latency).</param>
/// <param name="Backlog">How long after the last check was due the last answer came.</param>
internal sealed record FixedRateResult(
    double Rate,
    int Scheduled,
    int Started,
    long Answered,
    long Admitted,
    long Errors,
    long Abandoned,
    LatencySummary Latency,
    LatencySummary Lag,
    GcActivity Gc,
    string? FirstError,
    TimeSpan Backlog,
    TimeSpan Duration)
{
    /// <summary>True when abandoned checks make the percentiles lower bounds (shown with "≥").</summary>
    public bool LowerBound => Abandoned > 0;

    /// <summary>
    /// True when the target fell behind the offered rate: answers were still coming a twentieth of the
    /// phase (at least 100 ms) after the last check was due, so its queue grew through the phase and
    /// its percentiles grow with the phase's length rather than describe the target.
    /// </summary>
    public bool Overloaded => Abandoned > 0 || Backlog > TimeSpan.FromTicks(Math.Max(TimeSpan.TicksPerMillisecond * 100, Duration.Ticks / 20));
}
