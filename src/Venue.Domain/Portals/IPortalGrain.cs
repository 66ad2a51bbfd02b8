using Venue.Domain.Readers;
using Venue.Runtime;

namespace Venue.Domain.Portals;

/// <summary>
/// A doorway with two antennas, keyed by portal id: debounces each badge's reads into passes,
/// decides each pass's direction, and moves the attendee through their
/// <see cref="Zones.IAttendeeLocationGrain"/> (docs/venue-layout.md, "Movement rules").
/// </summary>
[GrainType("portal")]
public interface IPortalGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes in this portal's reads, in journal order, and applies the movements they decide before
    /// returning. Publishes each movement on <see cref="Telemetry.TelemetryStreams.Movements"/>/portal id.
    /// </summary>
    Task<PortalBatchResult> ObserveAsync(IReadOnlyList<JournaledRead> reads);

    /// <summary>
    /// A journal replay's <see cref="ObserveAsync"/>: the same, except that no timer decides the passes
    /// left open. The replay calls <see cref="SweepIdleAsync"/> as its clock (the journal's) passes
    /// <see cref="PortalBatchResult.IdleDue"/>, so passes end where they ended live.
    /// </summary>
    Task<PortalBatchResult> ReplayAsync(IReadOnlyList<JournaledRead> reads);

    /// <summary>Decides the passes whose badge the edge had not heard for the direction window at <paramref name="now"/> (what the timer does live), and applies the movements.</summary>
    Task<PortalBatchResult> SweepIdleAsync(DateTimeOffset now);

    /// <summary>Decides every pass still open (at the end of a journal replay) and applies the movements.</summary>
    Task<PortalBatchResult> FlushAsync();

    [ReadOnly]
    Task<PortalStatus> GetStatusAsync();
}

/// <summary>What one call did: reads taken in, new passes, absorbed duplicates, movements applied, reads dropped (late, misrouted, not a badge).</summary>
public sealed record PortalBatchResult(int Reads, int Passes, int Absorbed, int Movements, int Dropped)
{
    /// <summary>No pass left open goes quiet before this time by the edge's clock (null: none is open). A lower bound.</summary>
    public DateTimeOffset? IdleDue { get; init; }
}
