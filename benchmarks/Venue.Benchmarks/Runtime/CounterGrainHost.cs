using Venue.Runtime;

namespace Venue.Benchmarks.Runtime;

/// <summary>A grain runtime with one counter grain already activated, shared by the grain call benchmarks.</summary>
public sealed class CounterGrainHost : IAsyncDisposable
{
    private CounterGrainHost(GrainRuntime runtime, ICounterGrain grain)
    {
        Runtime = runtime;
        Grain = grain;
    }

    public GrainRuntime Runtime { get; }

    public ICounterGrain Grain { get; }

    public static async Task<CounterGrainHost> StartAsync()
    {
        var runtime = new GrainRuntimeBuilder().AddGrain<ICounterGrain, CounterGrain>(() => new CounterGrain()).Build();
        var grain = runtime.GetGrain<ICounterGrain>("bench");
        await grain.IncrementAsync(); // the first call activates; the benchmarks time calls on a live activation
        return new CounterGrainHost(runtime, grain);
    }

    public ValueTask DisposeAsync() => Runtime.DisposeAsync();
}
