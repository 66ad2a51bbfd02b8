using BenchmarkDotNet.Attributes;

namespace Venue.Benchmarks.Runtime;

/// <summary>
/// A call whose turn awaits something that really yields (Task.Yield): the turn ends on a thread
/// pool thread and the activation is released by the continuation. The baseline is the same
/// awaiting method on a plain instance, so the difference is the runtime's share.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class AwaitingGrainCallBenchmark
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
    public Task<int> DirectAwaitingCall() => _plain.IncrementAfterYieldAsync();

    [Benchmark]
    public Task<int> AwaitingGrainCall() => _host.Grain.IncrementAfterYieldAsync();
}
