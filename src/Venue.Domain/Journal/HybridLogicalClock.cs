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

    /// <summary>
    /// The largest reading a clock can plausibly give: the first of the year 3000. A reading past it
    /// (from a broken or hostile edge) is refused at the wire, because every clock that observed it
    /// would count on from there; from near <see cref="long.MaxValue"/> its next tick would overflow
    /// to a negative value on every edge at once. From this bound the counter has room for 7 × 10^18 ticks.
    /// </summary>
    public static readonly long MaxPlausible = new DateTimeOffset(3000, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() << 16;

    /// <summary>
    /// The largest reading an edge follows from elsewhere: <see cref="MaxPlausible"/> less 2^40 ticks
    /// (about 4.7 hours of clock, or 10^12 entries of counter). Followed up to <see cref="MaxPlausible"/>
    /// itself, an edge's next entry would be stamped past it and refused by central: one bad edge
    /// could then stop every other edge's uploads.
    /// </summary>
    public static readonly long MaxFollowed = MaxPlausible - (1L << 40);
}
