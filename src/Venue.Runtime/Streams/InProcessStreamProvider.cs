using System.Collections.Concurrent;

namespace Venue.Runtime.Streams;

/// <summary>In-process streams: sequence numbers per stream, explicit and implicit subscribers.</summary>
internal sealed class InProcessStreamProvider(GrainRuntime runtime, IReadOnlyList<(string Namespace, GrainRegistration Registration)> implicitSubscriptions)
    : IStreamProvider
{
    private readonly ConcurrentDictionary<StreamId, StreamState> _streams = new();
    private readonly ConcurrentDictionary<string, NamespaceState> _namespaces = new();
    private readonly ILookup<string, GrainRegistration> _implicit = implicitSubscriptions.ToLookup(s => s.Namespace, s => s.Registration);

    public IAsyncStream<T> GetStream<T>(StreamId id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id.Namespace);
        ArgumentException.ThrowIfNullOrEmpty(id.Key);
        return new AsyncStream<T>(this, id);
    }

    public IDisposable SubscribeNamespace<T>(string streamNamespace, Func<StreamEvent<T>, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var state = _namespaces.GetOrAdd(streamNamespace, _ => new NamespaceState());
        return state.Handlers.Add(handler);
    }

    private async Task<long> PublishAsync<T>(StreamId id, T item)
    {
        var stream = _streams.GetOrAdd(id, _ => new StreamState());
        var streamEvent = new StreamEvent<T>(id, Interlocked.Increment(ref stream.Sequence), item);
        List<Exception>? failures = null;

        async Task Deliver(Func<Task> delivery)
        {
            try
            {
                await delivery();
            }
            catch (Exception e)
            {
                (failures ??= []).Add(e);
            }
        }

        foreach (var handler in stream.Handlers.Snapshot)
        {
            if (handler is Func<StreamEvent<T>, Task> typed)
            {
                await Deliver(() => typed(streamEvent));
            }
        }

        if (_namespaces.TryGetValue(id.Namespace, out var ns))
        {
            foreach (var handler in ns.Handlers.Snapshot)
            {
                if (handler is Func<StreamEvent<T>, Task> typed)
                {
                    await Deliver(() => typed(streamEvent));
                }
            }
        }

        foreach (var registration in _implicit[id.Namespace])
        {
            if (runtime.GetGrain(registration, id.Key) is IStreamSubscriberGrain<T> subscriber)
            {
                await Deliver(() => subscriber.OnNextAsync(streamEvent));
            }
        }

        if (failures is not null)
        {
            throw new AggregateException($"Delivery on stream {id} failed for {failures.Count} subscriber(s).", failures);
        }

        return streamEvent.Sequence;
    }

    private sealed class StreamState
    {
        public long Sequence;
        public HandlerList Handlers { get; } = new();
    }

    private sealed class NamespaceState
    {
        public HandlerList Handlers { get; } = new();
    }

    /// <summary>Copy-on-write list: publishing reads a snapshot without locking.</summary>
    private sealed class HandlerList
    {
        private readonly object _gate = new();
        private object[] _handlers = [];

        public object[] Snapshot => Volatile.Read(ref _handlers);

        public IDisposable Add(object handler)
        {
            lock (_gate)
            {
                _handlers = [.. _handlers, handler];
            }

            return new Subscription(this, handler);
        }

        private void Remove(object handler)
        {
            lock (_gate)
            {
                _handlers = [.. _handlers.Where(h => !ReferenceEquals(h, handler))];
            }
        }

        private sealed class Subscription(HandlerList list, object handler) : IDisposable
        {
            public void Dispose() => list.Remove(handler);
        }
    }

    private sealed class AsyncStream<T>(InProcessStreamProvider provider, StreamId id) : IAsyncStream<T>
    {
        public StreamId Id => id;

        public Task<long> OnNextAsync(T item) => provider.PublishAsync(id, item);

        public IDisposable Subscribe(Func<StreamEvent<T>, Task> handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            return provider._streams.GetOrAdd(id, _ => new StreamState()).Handlers.Add(handler);
        }
    }
}
