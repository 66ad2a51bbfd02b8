using Venue.Testing.Processes;

namespace Venue.Central.Tests.Reliability;

/// <summary>Edges switched on before the WAN (or central) is there: real processes, central behind a proxy that cannot reach it yet.</summary>
[Collection(ReliabilityCollection.Name)]
public sealed class BootTests(ITestOutputHelper output)
{
    private const int Attendees = 200;

    [Fact]
    public async Task Edges_that_boot_before_central_is_reachable_keep_retrying_and_start_on_its_ledger()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output))
        {
            return;
        }

        // Each attempt reaches the proxy, which cannot reach central and resets the connection: the
        // failure a middlebox in front of a central that is down produces.
        await using var venue = await LiveVenue.StartAsync(Attendees, ["north", "south"], output, boot: LiveVenue.Boot.EdgesBeforeCentral);

        var badge = 0;
        foreach (var edge in venue.Edges)
        {
            Assert.InRange(edge.Proxy.Counters.TargetUnreachable, LiveVenue.KnocksBeforeCentral, long.MaxValue);
            Assert.Equal(Attendees, (await edge.Process.HealthAsync()).GetProperty("attendees").GetInt32());
            await edge.ScanExpectingAsync(edge.Gates[0], venue.Badges[badge++], "entry", "admitted");
        }
    }
}
