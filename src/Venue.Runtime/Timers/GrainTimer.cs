namespace Venue.Runtime.Timers;

/// <summary>
/// Fires a callback as a turn of its activation. The underlying timer is one-shot and re-armed only
/// after the tick's turn has ended, so ticks never overlap however long a tick takes.
/// </summary>
internal sealed class GrainTimer : WorkItem, IGrainTimer
{
    /// <summary>The longest due time or period a system timer takes (4,294,967,294 ms, about 49.7 days).</summary>
    internal static readonly TimeSpan MaxTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    private readonly Activation _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly CancellationTokenSource _disposed = new();
    private readonly object _gate = new();
    private ITimer? _timer;
    private TimeSpan _dueTime;
    private TimeSpan _period;
    private int _queued;
    private bool _changedWhileQueued;

    public GrainTimer(Activation activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        CheckTimes(dueTime, period);
        _activation = activation;
        _callback = callback;
        _dueTime = dueTime;
        _period = period;
        Target = activation;
    }

    public override bool ReadOnly => false;

    public override bool KeepsAlive => false;

    public void Start()
    {
        lock (_gate)
        {
            _timer = _activation.Runtime.Time.CreateTimer(static s => ((GrainTimer)s!).Fire(), this, _dueTime, Timeout.InfiniteTimeSpan);
        }
    }

    private void Fire()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        // At most one tick waits in the mailbox, even if Change re-arms the timer meanwhile.
        if (Interlocked.Exchange(ref _queued, 1) == 1)
        {
            return;
        }

        if (!_activation.Enqueue(this))
        {
            Dispose();
        }
    }

    public override void RunTurn()
    {
        Task tick;
        try
        {
            tick = _disposed.IsCancellationRequested ? Task.CompletedTask : _callback(_disposed.Token);
        }
        catch (Exception e)
        {
            tick = Task.FromException(e);
        }

        if (tick.IsCompleted)
        {
            Finish(tick);
        }
        else
        {
            tick.ContinueWith(static (t, s) => ((GrainTimer)s!).Finish(t), this,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Finish(Task tick)
    {
        if (tick.IsFaulted && !_disposed.IsCancellationRequested)
        {
            // Told before the turn is released, so the failure is heard before the grain's next turn runs.
            _activation.Runtime.TimerTickFailed(_activation.Id,
                tick.Exception!.InnerExceptions.Count == 1 ? tick.Exception.InnerException! : tick.Exception);
        }

        // A failing tick is the grain's business; the timer keeps its schedule, as Orleans' timers do.
        // Re-arm before releasing the turn, so whoever runs next sees the timer's next tick scheduled.
        lock (_gate)
        {
            Volatile.Write(ref _queued, 0);
            // A Change made during the tick (a back-off, say) decides the next tick; otherwise the period does.
            var next = _changedWhileQueued ? _dueTime : _period;
            _changedWhileQueued = false;
            if (!_disposed.IsCancellationRequested && next != Timeout.InfiniteTimeSpan)
            {
                _timer?.Change(next, Timeout.InfiniteTimeSpan);
            }
        }

        _activation.ReleaseTurn(this);
    }

    public override void Abandon(GrainRuntime runtime, Exception? activationFailure)
    {
        // A tick queued on an activation that died goes nowhere: timers belong to one activation.
        Dispose();
    }

    public void Change(TimeSpan dueTime, TimeSpan period)
    {
        CheckTimes(dueTime, period);
        lock (_gate)
        {
            _dueTime = dueTime;
            _period = period;
            if (Volatile.Read(ref _queued) == 1)
            {
                _changedWhileQueued = true;
            }
            else
            {
                _timer?.Change(dueTime, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>
    /// Refuses what the underlying timer would refuse, up front, as Orleans does. Left to the timer, a
    /// bad period throws only when a tick's end re-arms it, with the tick's turn still held: the grain
    /// would never run another turn.
    /// </summary>
    private static void CheckTimes(TimeSpan dueTime, TimeSpan period)
    {
        static void Check(TimeSpan value, string name)
        {
            if (value != Timeout.InfiniteTimeSpan && (value < TimeSpan.Zero || value > MaxTime))
            {
                throw new ArgumentOutOfRangeException(name, value,
                    $"A grain timer's {name} is between 0 and {MaxTime:c}, or Timeout.InfiniteTimeSpan.");
            }
        }

        Check(dueTime, nameof(dueTime));
        Check(period, nameof(period));
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _disposed.Cancel();
            _timer?.Dispose();
            _timer = null;
        }

        _activation.RemoveTimer(this);
    }
}
