using Venue.Edge.Silo;
using Venue.Edge.Sync;

namespace Venue.Edge.Tests;

/// <summary>Durations in the edge's own section: bounded, with the bare-number hint.</summary>
public sealed class EdgeDurationOptionsTests
{
    [Fact]
    public void A_grain_collection_age_given_as_a_bare_number_is_refused_as_the_days_it_binds_to()
    {
        using var directory = new TempDirectory();
        var options = new EdgeSiloOptions
        {
            EdgeId = "north",
            DataDirectory = directory.File("data"),
            Gates = [new("G01", "Gate 1")],
            Central = new CentralSyncOptions { Url = "http://central:5090", Token = "vdt_0123456789ab_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA" },
            GrainCollectionAge = TimeSpan.FromDays(15), // VENUE_Edge__GrainCollectionAge=15
        };

        var problem = Assert.Single(options.Problems());

        Assert.StartsWith("Edge:GrainCollectionAge", problem, StringComparison.Ordinal);
        Assert.Contains("write 00:00:15", problem, StringComparison.Ordinal);
    }
}
