using BenchmarkDotNet.Attributes;

namespace Venue.Benchmarks.Runtime;

/// <summary>
/// A call through a grain reference to an already active grain whose method completes at once:
/// the runtime's whole in-process overhead (proxy, directory look-up, turn lock). The baseline is
/// the same method called on a plain instance.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class GrainCallBenchmark
{
    private CounterGrainHost _host = null!;
    private CounterGrain _plain = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _host = await CounterGrainHost.StartAsync();
        _plain = new CounterGrain();
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _host.DisposeAsync();

    [Benchmark(Baseline = true)]
    public Task<int> DirectMethodCall() => _plain.IncrementAsync();

    [Benchmark]
    public Task<int> GrainCall() => _host.Grain.IncrementAsync();
}
