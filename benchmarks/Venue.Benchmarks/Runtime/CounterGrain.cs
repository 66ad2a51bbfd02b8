using Venue.Runtime;

namespace Venue.Benchmarks.Runtime;

public sealed class CounterGrain : Grain, ICounterGrain
{
    private int _count;

    public Task<int> IncrementAsync() => Task.FromResult(++_count);

    public Task<int> GetAsync() => Task.FromResult(_count);

    public async Task<int> IncrementAfterYieldAsync()
    {
        await Task.Yield();
        return ++_count;
    }
}
