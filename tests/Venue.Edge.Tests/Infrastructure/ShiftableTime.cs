namespace Venue.Edge.Tests.Infrastructure;

/// <summary>
/// The real clock plus an offset a test can move forward: timers and timestamps stay real, only
/// "now" jumps (for example past the credential cache's lifetime without waiting for it).
/// </summary>
public sealed class ShiftableTime : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
