using BenchmarkDotNet.Attributes;

namespace Venue.Benchmarks.Runtime;

/// <summary>A call to a [ReadOnly] method of an active grain (the shared, interleaving path).</summary>
[MemoryDiagnoser]
[MedianColumn]
public class ReadOnlyGrainCallBenchmark
{
    private CounterGrainHost _host = null!;

    [GlobalSetup]
    public async Task SetupAsync() => _host = await CounterGrainHost.StartAsync();

    [GlobalCleanup]
    public async Task CleanupAsync() => await _host.DisposeAsync();

    [Benchmark]
    public Task<int> ReadOnlyGrainCall() => _host.Grain.GetAsync();
}
