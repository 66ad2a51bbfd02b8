using System.Collections.Concurrent;

namespace Venue.Runtime.Tests;

/// <summary>
/// What a test grain reports about itself: lifecycle counts, a log of turn entries and exits, how
/// many turns are inside at once, and gates the test opens to let a turn finish. One probe per
/// test, handed to the grain through its factory, so tests running in parallel do not share counts.
/// </summary>
public sealed class GrainProbe
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _gates = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _entered = new();
    private readonly ConcurrentQueue<string> _log = new();
    private readonly ConcurrentDictionary<string, int> _insideAtEntry = new();
    private int _inside;
    private int _maxInside;

    public Counter Activations { get; } = new();

    /// <summary>What a grain stamps on what it records (a test's own counter).</summary>
    public Func<long> Clock { get; set; } = () => 0;

    public Counter Deactivations { get; } = new();

    public ConcurrentQueue<DeactivationReason> DeactivationReasons { get; } = new();

    /// <summary>Turn entries and exits, in the order they happened: "enter x", "exit x".</summary>
    public IReadOnlyList<string> Log => [.. _log];

    public int Inside => Volatile.Read(ref _inside);

    /// <summary>The most turns that were ever inside the grain at once.</summary>
    public int MaxInside => Volatile.Read(ref _maxInside);

    /// <summary>How many turns were inside (counting the named one) when the named turn entered.</summary>
    public int InsideAtEntry(string name) => _insideAtEntry[name];

    public TaskCompletionSource Gate(string name) => _gates.GetOrAdd(name, _ => Signal.New());

    public Task Entered(string name) => _entered.GetOrAdd(name, _ => Signal.New()).Task;

    public void Enter(string name)
    {
        var inside = Interlocked.Increment(ref _inside);
        int max;
        while (inside > (max = Volatile.Read(ref _maxInside)) && Interlocked.CompareExchange(ref _maxInside, inside, max) != max)
        {
        }

        _insideAtEntry[name] = inside;
        _log.Enqueue($"enter {name}");
        _entered.GetOrAdd(name, _ => Signal.New()).TrySetResult();
    }

    public void Exit(string name)
    {
        _log.Enqueue($"exit {name}");
        Interlocked.Decrement(ref _inside);
    }

    /// <summary>Enters, waits for the test to open the named gate, exits.</summary>
    public async Task HoldAsync(string name)
    {
        Enter(name);
        try
        {
            await Gate(name).Task.WithTimeout($"the test to open gate '{name}'");
        }
        finally
        {
            Exit(name);
        }
    }

    public void Activated() => Activations.Increment();

    public void Deactivated(DeactivationReason reason)
    {
        DeactivationReasons.Enqueue(reason);
        Deactivations.Increment();
    }
}
