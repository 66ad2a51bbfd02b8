using Venue.Runtime;

namespace Venue.Benchmarks.Runtime;

/// <summary>The smallest useful grain: enough to time the runtime's own cost per call.</summary>
public interface ICounterGrain : IGrainWithStringKey
{
    Task<int> IncrementAsync();

    [ReadOnly]
    Task<int> GetAsync();

    /// <summary>Increments after an await that really yields, so the turn completes asynchronously.</summary>
    Task<int> IncrementAfterYieldAsync();
}
