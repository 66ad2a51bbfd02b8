using BenchmarkDotNet.Attributes;

namespace Venue.Benchmarks.Runtime;

/// <summary>
/// A call through a grain reference to an already active grain whose method completes at once:
/// the runtime's whole in-process overhead (proxy, directory look-up, turn lock). The baseline is
/// the same method called on a plain instance.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class GrainCallBenchmark : CounterGrainBenchmark
{
    [Benchmark(Baseline = true)]
    public Task<int> DirectMethodCall() => Plain.IncrementAsync();

    [Benchmark]
    public Task<int> GrainCall() => Host.Grain.IncrementAsync();
}
