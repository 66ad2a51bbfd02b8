namespace Venue.Testing;

/// <summary>
/// Fake time for tests: the clock moves only when <see cref="Advance"/> is called, and timers fire
/// on the advancing thread, in due order, each seeing the clock at its own due time. Timestamps
/// (<see cref="GetTimestamp"/>) advance with it, and only with it: <see cref="StepWallClockTo"/>
/// moves the wall clock alone, as an NTP step leaves a real monotonic clock alone.
/// (Microsoft.Extensions.TimeProvider.Testing does not restore here.)
/// </summary>
public sealed class ManualTimeProvider : TimeProvider
{
    private readonly object _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now;
    private long _timestampOffset; // timestamp minus _now's ticks: changed only by wall-clock steps
    private long _sequence;
    private TaskCompletionSource _armed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ManualTimeProvider()
        : this(new DateTimeOffset(2030, 6, 1, 9, 0, 0, TimeSpan.Zero))
    {
    }

    public ManualTimeProvider(DateTimeOffset start) => _now = start;

    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>Timers that are armed to fire (created or changed with a finite due time, not yet fired or disposed).</summary>
    public int ArmedTimerCount
    {
        get { lock (_gate) { return _timers.Count(t => t.Due is not null); } }
    }

    /// <summary>When the earliest armed timer is due; null when none is armed.</summary>
    public DateTimeOffset? EarliestDue
    {
        get { lock (_gate) { return _timers.Min(t => t.Due); } }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public override long GetTimestamp()
    {
        lock (_gate)
        {
            return _now.UtcTicks + _timestampOffset;
        }
    }

    /// <summary>
    /// Completes the next time a timer is created or changed with a finite due time. A grain timer
    /// re-arms only after its tick's turn has ended, so a test can await the end of a tick with it.
    /// Take the task before doing what arms the timer.
    /// </summary>
    public Task NextTimerArmed()
    {
        lock (_gate)
        {
            return _armed.Task;
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new ManualTimer(this, callback, state);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>Moves the clock forward, firing every timer that falls due on the way (a timer due now fires too).</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        DateTimeOffset target;
        lock (_gate)
        {
            target = _now + by;
        }

        while (true)
        {
            ManualTimer? next;
            lock (_gate)
            {
                next = _timers
                    .Where(t => t.Due is { } due && due <= target)
                    .OrderBy(t => t.Due)
                    .ThenBy(t => t.Sequence)
                    .FirstOrDefault();
                if (next is null)
                {
                    _now = target;
                    return;
                }

                _now = next.Due!.Value;
                next.Due = next.Period is { } period ? _now + period : null;
                next.Sequence = ++_sequence;
            }

            next.Callback(next.State);
        }
    }

    /// <summary>
    /// Steps the wall clock to any reading, back as well as forward, without firing timers or moving
    /// timestamps: what an NTP correction does to a real clock.
    /// </summary>
    public void StepWallClockTo(DateTimeOffset reading)
    {
        lock (_gate)
        {
            _timestampOffset += _now.UtcTicks - reading.UtcTicks;
            _now = reading;
        }
    }

    private bool Arm(ManualTimer timer, TimeSpan dueTime, TimeSpan period)
    {
        TaskCompletionSource? armed = null;
        lock (_gate)
        {
            if (!_timers.Contains(timer))
            {
                return false; // disposed
            }

            timer.Due = dueTime == Timeout.InfiniteTimeSpan ? null : _now + dueTime;
            timer.Period = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : period;
            timer.Sequence = ++_sequence;
            if (timer.Due is not null)
            {
                armed = _armed;
                _armed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        armed?.TrySetResult();
        return true;
    }

    private void Remove(ManualTimer timer)
    {
        lock (_gate)
        {
            _timers.Remove(timer);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        // Guarded by the owner's lock.
        public DateTimeOffset? Due { get; set; }

        public TimeSpan? Period { get; set; }

        public long Sequence { get; set; }

        public bool Change(TimeSpan dueTime, TimeSpan period) => owner.Arm(this, dueTime, period);

        public void Dispose() => owner.Remove(this);

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
