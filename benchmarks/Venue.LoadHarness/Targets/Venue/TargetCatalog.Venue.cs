using Venue.LoadHarness.Targets.Venue;

namespace Venue.LoadHarness.Targets;

// Compiled when the Venue adapters are in the build (IncludeVenueTargets=true, the default).
internal static partial class TargetCatalog
{
    private static ICheckInTarget CreateVenue(string name) => name switch
    {
        "venue-inproc" => new VenueInProcessTarget(),
        _ => new VenueHttpTarget(),
    };
}
