using BenchmarkDotNet.Attributes;

namespace Venue.Benchmarks.Runtime;

/// <summary>Shared set-up of the grain call scenarios: an active counter grain and a plain instance to compare with.</summary>
public abstract class CounterGrainBenchmark
{
    protected CounterGrainHost Host { get; private set; } = null!;

    protected CounterGrain Plain { get; private set; } = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        Host = await CounterGrainHost.StartAsync();
        Plain = new CounterGrain();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await Host.DisposeAsync();
}
