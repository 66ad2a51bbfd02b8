namespace Venue.LoadHarness.Targets;

// Compiled only while the Venue adapters are left out of the build (IncludeVenueTargets=false in
// the project file); Targets/Venue/ holds the real adapters.
internal static partial class TargetCatalog
{
    private static ICheckInTarget CreateVenue(string name) => new UnavailableTarget(name,
        "the Venue adapters are not in this build (Venue.LoadHarness.csproj: IncludeVenueTargets=false)");
}
