namespace Venue.Domain.Journal;

/// <summary>
/// A hybrid logical clock: 48 bits of unix milliseconds and a 16-bit counter in one long. Values
/// only grow, even if the wall clock steps back, and order causally related events across silos.
/// Not thread-safe: the journal writer owns one.
/// </summary>
public sealed class HybridLogicalClock(TimeProvider time)
{
    private long _last;

    public long Last => _last;

    public long Now()
    {
        var physical = time.GetUtcNow().ToUnixTimeMilliseconds() << 16;
        _last = physical > _last ? physical : _last + 1;
        return _last;
    }

    /// <summary>Moves past a time seen from elsewhere (or from the journal on restart).</summary>
    public void Observe(long hlc)
    {
        if (hlc > _last)
        {
            _last = hlc;
        }
    }

    public static DateTimeOffset ToTime(long hlc) => DateTimeOffset.FromUnixTimeMilliseconds(hlc >> 16);
}
