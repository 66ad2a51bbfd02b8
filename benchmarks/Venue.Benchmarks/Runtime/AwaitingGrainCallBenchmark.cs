using BenchmarkDotNet.Attributes;

namespace Venue.Benchmarks.Runtime;

/// <summary>
/// A call whose turn awaits something that really yields (Task.Yield): the turn ends on a thread
/// pool thread and the activation is released by the continuation. The baseline is the same
/// awaiting method on a plain instance, so the difference is the runtime's share.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class AwaitingGrainCallBenchmark : CounterGrainBenchmark
{
    [Benchmark(Baseline = true)]
    public Task<int> DirectAwaitingCall() => Plain.IncrementAfterYieldAsync();

    [Benchmark]
    public Task<int> AwaitingGrainCall() => Host.Grain.IncrementAfterYieldAsync();
}
