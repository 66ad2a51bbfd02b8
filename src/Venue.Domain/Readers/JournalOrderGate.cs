namespace Venue.Domain.Readers;

/// <summary>
/// Lets journaled batches of reads through to routing one at a time, in the order of their journal
/// sequences. Concurrent appends share a commit, and their callers resume in whatever order the pool
/// runs them: without this, two readers' batches could be routed in the opposite order to the one
/// the journal (and so a restart's replay) holds, and one attendee's crossings at two doorways a few
/// milliseconds apart be judged in the wrong order.
/// </summary>
/// <remarks>
/// The journal numbers accepted reads densely (a failed commit gives its numbers back), so every
/// sequence belongs to a batch that arrives here unless its caller died between the commit and this
/// gate. A gap that has kept waiting batches back for <c>gapTimeout</c> is therefore given up on:
/// the batches after it go through and <c>onGapSkipped</c> is told; a batch from before the point
/// reached (a late one from a skipped gap) goes through at once. Nothing is ever held back for good.
/// </remarks>
public sealed class JournalOrderGate : IDisposable
{
    private readonly object _gate = new();
    private readonly SortedDictionary<long, Waiting> _waiting = [];
    private readonly Func<IReadOnlyList<JournaledRead>, Task> _route;
    private readonly TimeProvider _time;
    private readonly TimeSpan _gapTimeout;
    private readonly Action<long, long>? _onGapSkipped;
    private readonly ITimer _gapTimer;
    private long _next;
    private long? _blockedSince;
    private bool _routing;
    private bool _gapTimerArmed;
    private long _skipped;

    /// <param name="nextSequence">The first sequence not yet routed: the journal's last read sequence plus one once a replay has routed the rest.</param>
    /// <param name="route">Routes one batch; called for one batch at a time.</param>
    /// <param name="onGapSkipped">Told the first and last sequence of a gap given up on.</param>
    public JournalOrderGate(long nextSequence, Func<IReadOnlyList<JournaledRead>, Task> route, TimeProvider time, TimeSpan gapTimeout, Action<long, long>? onGapSkipped = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nextSequence);
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(gapTimeout, TimeSpan.Zero);
        _next = nextSequence;
        _route = route;
        _time = time;
        _gapTimeout = gapTimeout;
        _onGapSkipped = onGapSkipped;
        _gapTimer = time.CreateTimer(static s => ((JournalOrderGate)s!).OnGapTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Sequences given up on after waiting <c>gapTimeout</c> for them.</summary>
    public long SkippedSequences => Interlocked.Read(ref _skipped);

    /// <summary>
    /// Routes the batch (accepted reads of one append, numbered consecutively) once every batch
    /// numbered before it has been routed; completes when it has been, or faults as its routing did.
    /// </summary>
    public Task PassAsync(IReadOnlyList<JournaledRead> batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return Task.CompletedTask;
        }

        var waiting = new Waiting(batch);
        bool start;
        lock (_gate)
        {
            if (!_waiting.TryAdd(waiting.First, waiting))
            {
                throw new InvalidOperationException($"Reads from sequence {waiting.First} were handed to routing twice.");
            }

            start = !_routing && Runnable();
            _routing |= start;
            if (!start && !_routing)
            {
                Blocked();
            }
        }

        if (start)
        {
            _ = DrainAsync();
        }

        return waiting.Task;
    }

    /// <summary>Under the lock: whether the first waiting batch may go (the next in order, or one from before it).</summary>
    private bool Runnable() => _waiting.Count > 0 && FirstWaiting().First <= _next;

    private Waiting FirstWaiting()
    {
        using var e = _waiting.Values.GetEnumerator();
        e.MoveNext();
        return e.Current;
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            Waiting next;
            lock (_gate)
            {
                if (!Runnable())
                {
                    _routing = false;
                    if (_waiting.Count > 0)
                    {
                        Blocked();
                    }

                    return;
                }

                next = FirstWaiting();
                _waiting.Remove(next.First);
                if (next.Last >= _next)
                {
                    _next = next.Last + 1;
                    _blockedSince = null;
                }
            }

            try
            {
                await _route(next.Batch);
                next.TrySetResult();
            }
            catch (Exception e)
            {
                next.TrySetException(e);
            }
        }
    }

    /// <summary>
    /// Under the lock: batches wait on a gap before <see cref="_next"/>. The timeout counts from the
    /// first moment they did (not from when <see cref="_next"/> last moved: after a quiet spell that
    /// would give up on a batch only microseconds late), and the timer checks on it then.
    /// </summary>
    private void Blocked()
    {
        _blockedSince ??= _time.GetTimestamp();
        if (_gapTimerArmed)
        {
            return;
        }

        _gapTimerArmed = true;
        var waited = _time.GetElapsedTime(_blockedSince.Value);
        _gapTimer.Change(waited >= _gapTimeout ? TimeSpan.Zero : _gapTimeout - waited, Timeout.InfiniteTimeSpan);
    }

    private void OnGapTimer()
    {
        long from, to;
        lock (_gate)
        {
            _gapTimerArmed = false;
            if (_routing || _waiting.Count == 0 || Runnable() || _blockedSince is not { } since)
            {
                return;
            }

            if (_time.GetElapsedTime(since) < _gapTimeout)
            {
                Blocked();
                return;
            }

            (from, to) = (_next, FirstWaiting().First - 1);
            Interlocked.Add(ref _skipped, to - from + 1);
            _next = to + 1;
            _blockedSince = null;
            _routing = true;
        }

        _ = DrainAsync();
        try
        {
            _onGapSkipped?.Invoke(from, to);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Only a report (a log line): a failing logger must neither stall routing nor end the process from a timer.
        }
    }

    /// <summary>Stops the gap timer; batches still waiting then wait for their gap only.</summary>
    public void Dispose() => _gapTimer.Dispose();

    private sealed class Waiting(IReadOnlyList<JournaledRead> batch) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public IReadOnlyList<JournaledRead> Batch { get; } = batch;

        public long First { get; } = batch[0].Sequence;

        public long Last { get; } = batch[^1].Sequence;
    }
}
