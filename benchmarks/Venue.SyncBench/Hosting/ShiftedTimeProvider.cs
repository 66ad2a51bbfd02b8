namespace Venue.SyncBench.Hosting;

/// <summary>
/// The system clock moved by a fixed offset: an edge on it stamps its scans that much in the past, so
/// entries journaled during a short bench partition arrive at central as old as after a long one
/// (and are marked late, as they would be). Timers and timestamps stay the system's.
/// </summary>
internal sealed class ShiftedTimeProvider(TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + offset;
}
