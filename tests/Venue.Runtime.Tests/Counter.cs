namespace Venue.Runtime.Tests;

/// <summary>A thread-safe count that a test can await reaching a value.</summary>
public sealed class Counter
{
    private readonly object _gate = new();
    private readonly List<(int Target, TaskCompletionSource Reached)> _waiters = [];
    private int _value;

    public int Value
    {
        get { lock (_gate) { return _value; } }
    }

    public int Increment()
    {
        List<TaskCompletionSource> reached = [];
        int value;
        lock (_gate)
        {
            value = ++_value;
            _waiters.RemoveAll(w =>
            {
                if (w.Target > value)
                {
                    return false;
                }

                reached.Add(w.Reached);
                return true;
            });
        }

        reached.ForEach(r => r.TrySetResult());
        return value;
    }

    /// <summary>Completes once the count is at least <paramref name="target"/>.</summary>
    public Task Reaches(int target)
    {
        lock (_gate)
        {
            if (_value >= target)
            {
                return Task.CompletedTask;
            }

            var reached = Signal.New();
            _waiters.Add((target, reached));
            return reached.Task;
        }
    }
}
