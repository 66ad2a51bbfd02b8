using Venue.Domain.Booths;
using Venue.Domain.Sync;
using Venue.Domain.Zones;
using Venue.Runtime;

namespace Venue.Edge.Telemetry;

/// <summary>The floor as the edge reports it to central with its status: every zone and booth, read from their grains.</summary>
internal static class FloorReport
{
    public static async Task<FloorWire> ReadAsync(EdgeTelemetry telemetry, IGrainFactory grains, TimeProvider time)
    {
        var zones = await Task.WhenAll(telemetry.Layout.Zones.Select(z => grains.GetGrain<IZoneGrain>(z.Id).GetStatusAsync()));
        var booths = await Task.WhenAll(telemetry.Layout.Booths.Select(b => grains.GetGrain<IBoothGrain>(b.Id).GetStatusAsync()));
        return new FloorWire(time.GetUtcNow(),
            [.. zones.Select(z => new ZoneSummaryWire(z.ZoneId, z.Name, z.Occupancy, z.Capacity, z.Level.ToString(), z.PeakOccupancy))],
            [.. booths.Select(b => new BoothSummaryWire(b.BoothId, b.Name, b.Leads, b.Visits, b.DistinctVisitors, b.Score))]);
    }
}
