namespace Venue.Edge.Tests.Infrastructure;

/// <summary>
/// The real clock plus an offset a test can move forward: timers stay real, while "now" and the
/// monotonic timestamp jump together (for example past the credential cache's lifetime without
/// waiting for it), as they would if that much time had passed.
/// </summary>
public sealed class ShiftableTime : TimeProvider
{
    private long _offsetTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override long GetTimestamp() =>
        base.GetTimestamp() + (long)(Interlocked.Read(ref _offsetTicks) * (TimestampFrequency / (double)TimeSpan.TicksPerSecond));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);
}
