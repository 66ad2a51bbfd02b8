namespace Venue.Edge.Sync;

/// <summary>
/// Exponential backoff with full jitter: the n-th retry in a row waits a uniformly random time
/// between 0 and min(max, min * 2^(n-1)), counting the first as 1. The jitter spreads the retries of many edges coming back
/// after one outage, so central is not hit by all of them at the same instant.
/// </summary>
internal sealed class Backoff(TimeSpan min, TimeSpan max)
{
    private int _failures;

    public TimeSpan Next()
    {
        var ceiling = Math.Min(max.Ticks, min.Ticks * Math.Pow(2, Math.Min(_failures, 30)));
        _failures++;
        return TimeSpan.FromTicks((long)(Random.Shared.NextDouble() * ceiling));
    }

    public void Reset() => _failures = 0;
}
