using System.Diagnostics;
using Venue.Runtime.Timers;

namespace Venue.Runtime;

/// <summary>
/// One live instance of a grain and its mailbox. Turns run one at a time in arrival order; a run of
/// read-only calls at the head of the queue may run together. An idle activation runs a call inline
/// on the caller's thread, which keeps the in-process call cost to a lock and a delegate call.
/// </summary>
internal sealed class Activation
{
    private enum Phase { Activating, Valid, Deactivating, Dead }

    private static readonly Action<Task, object?> ReleaseExclusive = static (_, s) => ((Activation)s!).ReleaseTurn(readOnly: false, keepAlive: true);
    private static readonly Action<Task, object?> ReleaseShared = static (_, s) => ((Activation)s!).ReleaseTurn(readOnly: true, keepAlive: true);

    /// <summary>Turns run back to back on one thread before the rest go back to the pool, so one busy grain does not hold a pool thread for long.</summary>
    private const int MaxTurnsPerRun = 256;

    private static readonly long MaxTicksPerRun = Stopwatch.Frequency / 500; // 2 ms

    [ThreadStatic]
    private static Activation? t_running;

    [ThreadStatic]
    private static WorkItem? t_next;

    // An edge holds an activation per attendee who scanned, a million at a big event, so an idle one
    // carries no lock object, queue or completion source of its own: it locks itself (the class is
    // internal, nothing else locks it), and the queue and completion source come when first needed.
    private Queue<WorkItem>? _queue;
    private TaskCompletionSource? _deactivated;
    private bool _deactivationDone;
    private Phase _phase = Phase.Activating;
    private bool _exclusive = true; // the activation turn holds the activation until it is valid
    private int _readers;
    private DeactivationReason? _pendingDeactivation;
    private Exception? _activationFailure;
    /// <summary>When a turn that counts as use last ended, as a <see cref="TimeProvider.GetTimestamp"/>: monotonic, so a wall-clock step neither ages nor rejuvenates the activation.</summary>
    private long _lastUsed;
    private List<GrainTimer>? _timers;

    public Activation(GrainRuntime runtime, GrainRegistration registration, GrainId id)
    {
        Runtime = runtime;
        Registration = registration;
        Id = id;
        _lastUsed = runtime.Time.GetTimestamp();
    }

    public GrainRuntime Runtime { get; }

    public GrainRegistration Registration { get; }

    public GrainId Id { get; }

    public Grain Instance { get; private set; } = null!;

    /// <summary>Completes when the activation has finished deactivating.</summary>
    public Task Deactivated
    {
        get
        {
            lock (this)
            {
                return _deactivationDone ? Task.CompletedTask : (_deactivated ??= new(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
            }
        }
    }

    public bool IsValid
    {
        get { lock (this) { return _phase == Phase.Valid; } }
    }

    /// <summary>
    /// Runs a queued turn on the pool thread that picked it up, and then, as long as each turn ends
    /// without yielding and its activation has another turn queued, that next turn too, up to
    /// <see cref="MaxTurnsPerRun"/> turns or 2 ms; what is left goes back to the pool. Without this a
    /// busy grain's queue advances one pool hop per turn, and each hop waits behind everything else
    /// queued in the pool (500 concurrent callers meant every turn waited behind their 500 work items).
    /// Order and exclusivity are unchanged: the next turn is only the one <see cref="ScheduleRunnable"/>
    /// started, after the previous one was released.
    /// </summary>
    internal static void RunTurns(WorkItem item)
    {
        if (t_running is not null)
        {
            // Not expected (pool work items do not nest), but never lose a hand-off slot.
            item.RunTurn();
            return;
        }

        var started = Stopwatch.GetTimestamp();
        for (var turns = 1; ; turns++)
        {
            t_running = item.Target;
            try
            {
                item.RunTurn();
            }
            finally
            {
                t_running = null;
            }

            var next = t_next;
            if (next is null)
            {
                return;
            }

            t_next = null;
            if (turns >= MaxTurnsPerRun || Stopwatch.GetTimestamp() - started > MaxTicksPerRun)
            {
                ThreadPool.UnsafeQueueUserWorkItem(next, preferLocal: false);
                return;
            }

            item = next;
        }
    }

    /// <summary>Starts the activation turn: create the grain, read its state, run OnActivateAsync.</summary>
    public void Start() => _ = ActivateAsync();

    private async Task ActivateAsync()
    {
        try
        {
            var grain = Registration.Factory();
            grain.Bind(this);
            Instance = grain;
            await grain.ReadStateForActivationAsync(CancellationToken.None);
            await grain.OnActivateAsync(CancellationToken.None);
        }
        catch (Exception failure)
        {
            WorkItem[] abandoned;
            lock (this)
            {
                _phase = Phase.Dead;
                _activationFailure = failure;
                abandoned = _queue is null ? [] : [.. _queue];
                _queue = null;
            }

            DisposeTimers();
            Runtime.Remove(this);
            CompleteDeactivation();
            foreach (var item in abandoned)
            {
                item.Abandon(Runtime, failure);
            }

            return;
        }

        lock (this)
        {
            _phase = Phase.Valid;
        }

        ReleaseTurn(readOnly: false, keepAlive: true);
    }

    /// <summary>
    /// Runs or queues a call. Returns null when the activation is dead and the caller must look up
    /// the grain again, unless it died failing to activate: then the call fails with that failure.
    /// </summary>
    public Task? Invoke<TResult>(GrainRegistration registration, Func<Grain, object?[]?, Task> body, object?[]? arguments, bool readOnly)
    {
        lock (this)
        {
            if (_phase == Phase.Dead)
            {
                // An activation that failed (even before its creator's call got in: activation can fail
                // synchronously) fails that call as it fails queued ones; retrying would loop or hide it.
                return _activationFailure is null ? null : FailedActivation<TResult>(_activationFailure);
            }

            var runInline = _phase == Phase.Valid && IsQueueEmpty && !_exclusive && _pendingDeactivation is null
                && (readOnly || _readers == 0);
            if (!runInline)
            {
                var item = new CallItem<TResult>(registration, Id, body, arguments, readOnly);
                (_queue ??= new()).Enqueue(item);
                return item.Task;
            }

            if (readOnly)
            {
                _readers++;
            }
            else
            {
                _exclusive = true;
            }
        }

        var turn = GrainRuntime.RunBody<TResult>(body, Instance, arguments);
        if (turn.IsCompleted)
        {
            ReleaseTurn(readOnly, keepAlive: true);
        }
        else
        {
            turn.ContinueWith(readOnly ? ReleaseShared : ReleaseExclusive, this,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return turn;
    }

    /// <summary>
    /// Queues a work item (a forwarded call or a timer tick). False when the activation is dead; if it
    /// died failing to activate, the item fails with that failure instead.
    /// </summary>
    public bool Enqueue(WorkItem item)
    {
        Exception? activationFailure = null;
        lock (this)
        {
            if (_phase == Phase.Dead)
            {
                if (_activationFailure is null)
                {
                    return false;
                }

                activationFailure = _activationFailure;
            }
            else
            {
                (_queue ??= new()).Enqueue(item);
                if (_phase != Phase.Valid || _exclusive || _readers > 0)
                {
                    return true;
                }
            }
        }

        if (activationFailure is not null)
        {
            // As in Invoke: the item fails as it would have, had it been queued before the failure.
            item.Abandon(Runtime, activationFailure);
            return true;
        }

        // Idle: give the queue a push through the normal release path.
        ScheduleRunnable();
        return true;
    }

    private bool IsQueueEmpty => _queue is null || _queue.Count == 0;

    private void CompleteDeactivation()
    {
        TaskCompletionSource? waiting;
        lock (this)
        {
            _deactivationDone = true;
            waiting = _deactivated;
        }

        waiting?.TrySetResult();
    }

    private Task FailedActivation<TResult>(Exception failure)
    {
        var error = new GrainActivationException(Id, failure);
        return typeof(TResult) == typeof(VoidResult) ? Task.FromException(error) : Task.FromException<TResult>(error);
    }

    public void ReleaseTurn(WorkItem item) => ReleaseTurn(item.ReadOnly, item.KeepsAlive);

    public void ReleaseTurn(bool readOnly, bool keepAlive)
    {
        // Read the clock before taking the lock: callers queueing behind this turn wait on the lock.
        var now = keepAlive ? Runtime.Time.GetTimestamp() : 0;
        WorkItem? first;
        List<WorkItem>? more;
        DeactivationReason? deactivate;
        lock (this)
        {
            if (readOnly)
            {
                _readers--;
            }
            else
            {
                _exclusive = false;
            }

            if (keepAlive && now > _lastUsed)
            {
                _lastUsed = now;
            }

            // Release and pick what runs next under one lock: a busy grain takes its lock once per turn, not twice.
            TakeRunnable(out first, out more, out deactivate);
        }

        StartRunnable(first, more, deactivate);
    }

    /// <summary>Starts what may run now: a pending deactivation first, else the runnable head of the queue.</summary>
    private void ScheduleRunnable()
    {
        WorkItem? first;
        List<WorkItem>? more;
        DeactivationReason? deactivate;
        lock (this)
        {
            TakeRunnable(out first, out more, out deactivate);
        }

        StartRunnable(first, more, deactivate);
    }

    /// <summary>Under the lock: claims the activation for a pending deactivation or for the runnable head of the queue.</summary>
    private void TakeRunnable(out WorkItem? first, out List<WorkItem>? more, out DeactivationReason? deactivate)
    {
        first = null;
        more = null;
        deactivate = null;
        if (_phase != Phase.Valid || _exclusive || (_readers > 0 && _pendingDeactivation is not null))
        {
            return;
        }

        if (_pendingDeactivation is { } reason && _readers == 0)
        {
            _phase = Phase.Deactivating;
            _exclusive = true;
            deactivate = reason;
            return;
        }

        while (_queue is not null && _queue.TryPeek(out var head))
        {
            if (head.ReadOnly)
            {
                _readers++;
            }
            else
            {
                if (_readers > 0)
                {
                    break;
                }

                _exclusive = true;
            }

            _queue.Dequeue();
            head.Target = this;
            if (first is null)
            {
                first = head;
            }
            else
            {
                (more ??= []).Add(head);
            }

            if (!head.ReadOnly)
            {
                break;
            }
        }
    }

    private void StartRunnable(WorkItem? first, List<WorkItem>? more, DeactivationReason? deactivate)
    {
        if (deactivate is { } why)
        {
            _ = DeactivateAsync(why);
            return;
        }

        if (first is not null)
        {
            if (t_running == this && t_next is null)
            {
                // The turn that just ended ran on this thread and ended without yielding: run the next
                // one here once it has returned, rather than behind everything in the pool's queue.
                t_next = first;
            }
            else
            {
                ThreadPool.UnsafeQueueUserWorkItem(first, preferLocal: false);
            }
        }

        if (more is not null)
        {
            foreach (var item in more)
            {
                ThreadPool.UnsafeQueueUserWorkItem(item, preferLocal: false);
            }
        }
    }

    /// <summary>Deactivate once the current turn (if any) has ended.</summary>
    public Task RequestDeactivation(DeactivationReason reason)
    {
        lock (this)
        {
            if (_phase is Phase.Deactivating or Phase.Dead)
            {
                return Deactivated;
            }

            _pendingDeactivation ??= reason;
        }

        var deactivated = Deactivated;
        ScheduleRunnable();
        return deactivated;
    }

    /// <summary>Begins idle deactivation if nothing has used the activation for <paramref name="age"/> up to <paramref name="now"/> (a timestamp).</summary>
    public bool TryCollect(long now, TimeSpan age)
    {
        lock (this)
        {
            if (_phase != Phase.Valid || _exclusive || _readers > 0 || !IsQueueEmpty || Runtime.Time.GetElapsedTime(_lastUsed, now) < age)
            {
                return false;
            }

            _phase = Phase.Deactivating;
            _exclusive = true;
        }

        _ = DeactivateAsync(DeactivationReason.IdleCollection);
        return true;
    }

    private async Task DeactivateAsync(DeactivationReason reason)
    {
        DisposeTimers();
        try
        {
            await Instance.OnDeactivateAsync(reason, CancellationToken.None);
        }
        catch (Exception)
        {
            // Best effort, as in Orleans: a failing OnDeactivateAsync does not keep the activation alive.
        }

        WorkItem[] forwarded;
        List<WorkItem>? ticks = null;
        lock (this)
        {
            _phase = Phase.Dead;
            // A timer belongs to its activation: a tick queued here (it fell due during the last turn, or
            // fired as idle collection began) is dropped with its timer, not handed to the successor,
            // where it would run as a turn of an activation that never registered it.
            IReadOnlyCollection<WorkItem> queued = _queue is null ? [] : _queue;
            forwarded = [.. queued.Where(item => item is not GrainTimer)];
            if (forwarded.Length != queued.Count)
            {
                ticks = [.. queued.Where(item => item is GrainTimer)];
            }

            _queue = null;
        }

        foreach (var tick in ticks ?? [])
        {
            tick.Abandon(Runtime, activationFailure: null);
        }

        // Calls queued here go to a successor that takes this one's place in the directory with them
        // already queued, so a call arriving meanwhile (it waits for the dead entry to go) queues behind
        // them: calls to a grain run in arrival order across a deactivation too.
        var orphans = Runtime.Replace(this, forwarded);
        CompleteDeactivation();
        foreach (var item in orphans)
        {
            item.Abandon(Runtime, activationFailure: null);
        }
    }

    public IGrainTimer RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        ArgumentNullException.ThrowIfNull(callback);
        var timer = new GrainTimer(this, callback, dueTime, period);
        lock (this)
        {
            if (_phase is Phase.Deactivating or Phase.Dead)
            {
                throw new InvalidOperationException($"Grain {Id} is deactivating; it cannot register timers.");
            }

            (_timers ??= []).Add(timer);
        }

        timer.Start();
        return timer;
    }

    public void RemoveTimer(GrainTimer timer)
    {
        lock (this)
        {
            _timers?.Remove(timer);
        }
    }

    private void DisposeTimers()
    {
        GrainTimer[] timers;
        lock (this)
        {
            timers = _timers is null ? [] : [.. _timers];
            _timers = null;
        }

        foreach (var timer in timers)
        {
            timer.Dispose();
        }
    }
}
