using System.Collections.Concurrent;
using Venue.Runtime.Streams;

namespace Venue.Runtime;

/// <summary>
/// A single-process grain runtime: the directory of activations, grain references, idle collection
/// and in-process streams.
/// </summary>
public sealed class GrainRuntime : IGrainFactory, IAsyncDisposable
{
    private readonly ConcurrentDictionary<GrainId, Activation> _activations = new();
    private readonly Dictionary<Type, GrainRegistration> _byInterface;
    private readonly GrainRuntimeOptions _options;
    private readonly ITimer _collector;
    private int _stopped;
    private int _creating;

    internal GrainRuntime(GrainRuntimeOptions options, TimeProvider time, IReadOnlyList<GrainRegistration> registrations,
        IReadOnlyList<(string Namespace, Type Interface)> implicitSubscriptions)
    {
        _options = options;
        Time = time;
        _byInterface = registrations.ToDictionary(r => r.InterfaceType);
        Streams = new InProcessStreamProvider(this, implicitSubscriptions
            .Select(s => (s.Namespace, _byInterface[s.Interface])).ToList());
        _collector = time.CreateTimer(static s => _ = ((GrainRuntime)s!).CollectIdleActivationsAsync(), this,
            options.CollectionQuantum, options.CollectionQuantum);
    }

    public TimeProvider Time { get; }

    public IStreamProvider Streams { get; }

    /// <summary>Tells <see cref="GrainRuntimeOptions.TimerTickFailed"/> of a failed tick.</summary>
    internal void TimerTickFailed(GrainId grain, Exception failure)
    {
        try
        {
            _options.TimerTickFailed?.Invoke(grain, failure);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Whoever listens must not break the timer that failed.
        }
    }

    /// <summary>Activations currently in the directory.</summary>
    public int ActivationCount => _activations.Count;

    public TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : class, IGrainWithStringKey
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (!_byInterface.TryGetValue(typeof(TGrainInterface), out var registration))
        {
            throw new ArgumentException($"No grain class is registered for {typeof(TGrainInterface).Name}.");
        }

        return GrainProxy.Create<TGrainInterface>(this, registration, new GrainId(registration.TypeName, key));
    }

    internal object GetGrain(GrainRegistration registration, string key) =>
        registration.CreateReference(this, new GrainId(registration.TypeName, key));

    /// <summary>True when the grain has a live activation (for tests and diagnostics).</summary>
    public bool IsActive(GrainId id) => _activations.TryGetValue(id, out var a) && a.IsValid;

    internal static Task InvokeCore<TResult>(GrainRuntime runtime, GrainRegistration registration, GrainId id,
        Func<Grain, object?[]?, Task> body, object?[]? arguments, bool readOnly)
    {
        var spin = new SpinWait();
        while (true)
        {
            if (runtime.GetOrActivate(registration, id) is not { } activation)
            {
                // Failed, not thrown: a caller that does not await (_ = grain.Record()) would otherwise
                // have the runtime's shutdown thrown into whatever it was doing.
                return Faulted<TResult>(Stopped());
            }

            var turn = activation.Invoke<TResult>(registration, body, arguments, readOnly);
            if (turn is not null)
            {
                return turn;
            }

            // The activation we found died between look-up and call; the directory no longer holds it.
            spin.SpinOnce();
        }
    }

    /// <summary>Runs a grain method body; a synchronous throw becomes a faulted task of the right type.</summary>
    internal static Task RunBody<TResult>(Func<Grain, object?[]?, Task> body, Grain grain, object?[]? arguments)
    {
        try
        {
            return body(grain, arguments);
        }
        catch (Exception e)
        {
            return Faulted<TResult>(e);
        }
    }

    /// <summary>A failed task of the type the grain method returns.</summary>
    internal static Task Faulted<TResult>(Exception e) =>
        typeof(TResult) == typeof(VoidResult) ? Task.FromException(e) : Task.FromException<TResult>(e);

    private static ObjectDisposedException Stopped() => new(nameof(GrainRuntime), "The grain runtime has stopped.");

    /// <summary>Sends a queued call that outlived its activation to the grain's current activation; throws <see cref="ObjectDisposedException"/> once the runtime has stopped.</summary>
    internal void Dispatch(GrainRegistration registration, GrainId id, WorkItem item)
    {
        var spin = new SpinWait();
        while (!(GetOrActivate(registration, id) ?? throw Stopped()).Enqueue(item))
        {
            spin.SpinOnce();
        }
    }

    /// <summary>The grain's activation, created if needed; null once the runtime has stopped and there is none.</summary>
    private Activation? GetOrActivate(GrainRegistration registration, GrainId id)
    {
        if (_activations.TryGetValue(id, out var existing))
        {
            return existing;
        }

        // Counted before the stopped check (both interlocked): either this call sees the stop, or the
        // stop sees it under way and waits for its activation to be in the directory before deactivating all.
        Interlocked.Increment(ref _creating);
        try
        {
            if (Volatile.Read(ref _stopped) == 1)
            {
                return null;
            }

            var created = new Activation(this, registration, id);
            var winner = _activations.GetOrAdd(id, created);
            if (ReferenceEquals(winner, created))
            {
                created.Start();
            }

            return winner;
        }
        finally
        {
            Interlocked.Decrement(ref _creating);
        }
    }

    internal void Remove(Activation activation) =>
        _activations.TryRemove(new KeyValuePair<GrainId, Activation>(activation.Id, activation));

    /// <summary>
    /// Takes a deactivated activation out of the directory. With <paramref name="queued"/> calls, a
    /// successor holding them (in order) replaces it in one step, and starts; returns the calls it could
    /// not place that way (the runtime is stopping), for the caller to forward or fail.
    /// </summary>
    internal IReadOnlyList<WorkItem> Replace(Activation dead, IReadOnlyList<WorkItem> queued)
    {
        if (queued.Count == 0)
        {
            Remove(dead);
            return [];
        }

        Interlocked.Increment(ref _creating);
        try
        {
            if (Volatile.Read(ref _stopped) == 0)
            {
                var successor = new Activation(this, dead.Registration, dead.Id);
                foreach (var item in queued)
                {
                    successor.Enqueue(item); // activating: queued, not run
                }

                if (_activations.TryUpdate(dead.Id, successor, dead))
                {
                    successor.Start();
                    return [];
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _creating);
        }

        Remove(dead);
        return queued;
    }

    /// <summary>
    /// One collection pass now: deactivates every activation unused for longer than the collection
    /// age, and returns how many it collected once their deactivation has finished.
    /// </summary>
    public async Task<int> CollectIdleActivationsAsync()
    {
        // The monotonic timestamp, not the wall clock: an NTP step forward would collect every
        // activation at once, and a step back would hold collection off for as long as the step.
        var now = Time.GetTimestamp();
        var collected = new List<Task>();
        foreach (var activation in _activations.Values)
        {
            if (activation.TryCollect(now, _options.CollectionAge))
            {
                collected.Add(activation.Deactivated);
            }
        }

        await Task.WhenAll(collected);
        return collected.Count;
    }

    /// <summary>Deactivates every activation (each after its current turn) and stops collection.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            return;
        }

        await _collector.DisposeAsync();
        var spin = new SpinWait();
        while (Interlocked.CompareExchange(ref _creating, 0, 0) != 0)
        {
            spin.SpinOnce();
        }

        // Every activation there will ever be is in the directory now; calls queued on them are
        // forwarded nowhere (the runtime has stopped) and fail.
        while (!_activations.IsEmpty)
        {
            await Task.WhenAll(_activations.Values.Select(a => a.RequestDeactivation(DeactivationReason.ShuttingDown)));
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
