using System.Collections.Concurrent;

namespace Venue.Runtime.Streams;

/// <summary>In-process streams: sequence numbers per stream, explicit and implicit subscribers.</summary>
internal sealed class InProcessStreamProvider(GrainRuntime runtime, IReadOnlyList<(string Namespace, GrainRegistration Registration)> implicitSubscriptions)
    : IStreamProvider
{
    private readonly ConcurrentDictionary<StreamId, StreamState> _streams = new();
    private readonly ConcurrentDictionary<string, NamespaceState> _namespaces = new();
    private readonly Dictionary<string, GrainRegistration[]> _implicit = implicitSubscriptions
        .GroupBy(s => s.Namespace, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Select(s => s.Registration).ToArray(), StringComparer.Ordinal);

    public IAsyncStream<T> GetStream<T>(StreamId id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id.Namespace);
        ArgumentException.ThrowIfNullOrEmpty(id.Key);
        return new AsyncStream<T>(this, id);
    }

    public IDisposable SubscribeNamespace<T>(string streamNamespace, Func<StreamEvent<T>, Task> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Namespace(streamNamespace).Handlers.Add(handler);
    }

    private StreamState Stream(StreamId id) => _streams.GetOrAdd(id, static _ => new StreamState());

    private NamespaceState Namespace(string streamNamespace) =>
        _namespaces.GetOrAdd(streamNamespace, static (name, implicitGrains) => new NamespaceState(implicitGrains.GetValueOrDefault(name) ?? []), _implicit);

    /// <summary>
    /// Numbers the item and hands it to the stream's subscribers, then the namespace's, then the
    /// implicit subscriber grains, one after another, each awaited. The subscribers are those
    /// subscribed when the item is numbered. With none (telemetry grains publish on every change,
    /// most streams have no follower), nothing is built beyond the number.
    /// </summary>
    private Task<long> PublishAsync<T>(StreamId id, StreamState stream, NamespaceState ns, T item)
    {
        var sequence = Interlocked.Increment(ref stream.Sequence);
        var own = stream.Handlers.Snapshot;
        var shared = ns.Handlers.Snapshot;
        var grains = ns.ImplicitSubscribers;
        return own.Length == 0 && shared.Length == 0 && grains.Length == 0
            ? Task.FromResult(sequence)
            : DeliverAsync(new StreamEvent<T>(id, sequence, item), own, shared, grains);
    }

    private async Task<long> DeliverAsync<T>(StreamEvent<T> streamEvent, object[] own, object[] shared, GrainRegistration[] grains)
    {
        List<Exception>? failures = null;
        for (var list = 0; list < 2; list++)
        {
            foreach (var handler in list == 0 ? own : shared)
            {
                if (handler is not Func<StreamEvent<T>, Task> typed)
                {
                    continue;
                }

                try
                {
                    await typed(streamEvent);
                }
                catch (Exception e)
                {
                    (failures ??= []).Add(e);
                }
            }
        }

        foreach (var registration in grains)
        {
            if (runtime.GetGrain(registration, streamEvent.Stream.Key) is not IStreamSubscriberGrain<T> subscriber)
            {
                continue;
            }

            try
            {
                await subscriber.OnNextAsync(streamEvent);
            }
            catch (Exception e)
            {
                (failures ??= []).Add(e);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException($"Delivery on stream {streamEvent.Stream} failed for {failures.Count} subscriber(s).", failures);
        }

        return streamEvent.Sequence;
    }

    private sealed class StreamState
    {
        public long Sequence;
        public HandlerList Handlers { get; } = new();
    }

    private sealed class NamespaceState(GrainRegistration[] implicitSubscribers)
    {
        public HandlerList Handlers { get; } = new();

        /// <summary>The grain types subscribed to the namespace implicitly; fixed when the runtime is built.</summary>
        public GrainRegistration[] ImplicitSubscribers { get; } = implicitSubscribers;
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

    /// <summary>A handle on one stream; it looks its state up once, so a grain that keeps it publishes without a lookup.</summary>
    private sealed class AsyncStream<T>(InProcessStreamProvider provider, StreamId id) : IAsyncStream<T>
    {
        private StreamState? _stream;
        private NamespaceState? _namespace;

        public StreamId Id => id;

        public Task<long> OnNextAsync(T item) =>
            provider.PublishAsync(id, _stream ??= provider.Stream(id), _namespace ??= provider.Namespace(id.Namespace), item);

        public IDisposable Subscribe(Func<StreamEvent<T>, Task> handler)
        {
            ArgumentNullException.ThrowIfNull(handler);
            return (_stream ??= provider.Stream(id)).Handlers.Add(handler);
        }
    }
}
