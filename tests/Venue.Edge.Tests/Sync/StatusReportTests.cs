using Microsoft.Extensions.Logging;

namespace Venue.Edge.Tests.Sync;

/// <summary>The edge's status reports to central, which show it (and the console its gates) online.</summary>
public sealed class StatusReportTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_status_report_that_fails_to_be_made_skips_that_report_and_the_next_ones_still_go()
    {
        await using var world = await SyncWorld.StartAsync(output);
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));
        await world.Central.UntilAsync(c => c.Statuses.Count > 0, "north's first status report");
        var failures = 0;
        var deliveredBeforeFailure = int.MaxValue;
        edge.Sync.ShapeStatusForTests = status =>
        {
            if (Interlocked.Increment(ref failures) == 1)
            {
                Volatile.Write(ref deliveredBeforeFailure, world.Central.Statuses.Count);
                throw new InvalidOperationException("a zone grain failed while the floor was read (injected by the test)");
            }

            return status;
        };

        await world.Central.UntilAsync(c => c.Statuses.Count > Volatile.Read(ref deliveredBeforeFailure), "a report after the one that failed to be made");

        Assert.True(world.Log.Contains(LogLevel.Error, "A status report of edge north could not be made"), "the failure to be logged");
    }
}
