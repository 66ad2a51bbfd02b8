using System.Reflection;
using Venue.Runtime.Storage;
using Venue.Runtime.Streams;

namespace Venue.Runtime;

/// <summary>Registers grain types, storage and time, then builds a <see cref="GrainRuntime"/>.</summary>
public sealed class GrainRuntimeBuilder
{
    private readonly List<Func<IGrainStorage, GrainRegistration>> _grains = [];
    private readonly List<(string Namespace, Type Interface)> _implicit = [];
    private IGrainStorage _defaultStorage = new MemoryGrainStorage();
    private TimeProvider _time = TimeProvider.System;

    public GrainRuntimeOptions Options { get; } = new();

    public GrainRuntimeBuilder UseTimeProvider(TimeProvider time)
    {
        _time = time ?? throw new ArgumentNullException(nameof(time));
        return this;
    }

    /// <summary>Storage for grains registered without storage of their own.</summary>
    public GrainRuntimeBuilder UseStorage(IGrainStorage storage)
    {
        _defaultStorage = storage ?? throw new ArgumentNullException(nameof(storage));
        return this;
    }

    /// <summary>
    /// Registers a grain class for an interface. The factory makes a new instance per activation;
    /// hosts close over whatever the grain needs. <see cref="ImplicitStreamSubscriptionAttribute"/>s on
    /// the class subscribe it to stream namespaces.
    /// </summary>
    public GrainRuntimeBuilder AddGrain<TGrainInterface, TGrain>(Func<TGrain> factory, IGrainStorage? storage = null)
        where TGrainInterface : class, IGrainWithStringKey
        where TGrain : Grain, TGrainInterface
    {
        ArgumentNullException.ThrowIfNull(factory);
        var typeName = GrainRegistration.TypeNameOf(typeof(TGrainInterface));
        _grains.Add(defaultStorage => new GrainRegistration(typeof(TGrainInterface), typeof(TGrain), typeName, factory, storage ?? defaultStorage));
        foreach (var subscription in typeof(TGrain).GetCustomAttributes<ImplicitStreamSubscriptionAttribute>())
        {
            if (!typeof(TGrainInterface).GetInterfaces().Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IStreamSubscriberGrain<>)))
            {
                throw new ArgumentException(
                    $"{typeof(TGrain).Name} subscribes implicitly to '{subscription.Namespace}' but {typeof(TGrainInterface).Name} does not extend IStreamSubscriberGrain<T>.");
            }

            _implicit.Add((subscription.Namespace, typeof(TGrainInterface)));
        }

        return this;
    }

    public GrainRuntime Build()
    {
        Options.Validate();
        var registrations = _grains.Select(g => g(_defaultStorage)).ToList();
        var duplicate = registrations.GroupBy(r => r.TypeName).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new InvalidOperationException($"Two grain interfaces share the type name '{duplicate.Key}'.");
        }

        return new GrainRuntime(Options, _time, registrations, _implicit);
    }
}
