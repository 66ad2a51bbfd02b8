namespace Venue.Runtime.Timers;

/// <summary>A grain timer; dispose it to stop further ticks.</summary>
public interface IGrainTimer : IDisposable
{
    /// <summary>
    /// Changes when the next tick is due and the period after it. Each is 0 to about 49.7 days, or
    /// <see cref="Timeout.InfiniteTimeSpan"/>; anything else throws <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    void Change(TimeSpan dueTime, TimeSpan period);
}
