using Venue.Edge.Silo;
using Venue.Edge.Sync;

namespace Venue.Edge.Tests.Sync;

public sealed class CentralSyncOptionsTests
{
    private const string Token = "vdt_0123456789ab_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA";

    [Fact]
    public void Without_a_url_the_edge_is_standalone_and_nothing_else_is_checked()
    {
        var options = new CentralSyncOptions { Token = null, UploadBatchSize = 0 };

        Assert.False(options.IsEnabled);
        Assert.Empty(options.Problems());
    }

    [Fact]
    public void A_url_without_a_token_is_a_problem_that_names_the_environment_variable()
    {
        var problems = new CentralSyncOptions { Url = "http://central:5090" }.Problems();

        var problem = Assert.Single(problems);
        Assert.Contains("VENUE_Edge__Central__Token", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_token_that_is_not_a_device_token_is_refused_without_being_echoed()
    {
        var problems = new CentralSyncOptions { Url = "http://central:5090", Token = "hunter2-secret" }.Problems();

        var problem = Assert.Single(problems);
        Assert.DoesNotContain("hunter2", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Out_of_range_values_are_each_named()
    {
        var problems = new CentralSyncOptions
        {
            Url = "ftp://central",
            Token = Token,
            UploadBatchSize = 2001,
            ChangesWait = TimeSpan.FromSeconds(31),
            RetryMin = TimeSpan.FromSeconds(5),
            RetryMax = TimeSpan.FromSeconds(1),
        }.Problems();

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("Edge:Central:Url", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Edge:Central:UploadBatchSize", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Edge:Central:ChangesWait", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("Edge:Central:RetryMin", StringComparison.Ordinal));
    }

    [Fact]
    public void An_edge_with_a_central_needs_no_ledger_path_and_one_without_still_does()
    {
        using var directory = new TempDirectory();
        EdgeSiloOptions Edge(CentralSyncOptions central) => new()
        {
            EdgeId = "north",
            DataDirectory = directory.File("data"),
            Gates = [new("G01", "Gate 1", "hall-a")],
            Central = central,
        };

        var synced = Edge(new CentralSyncOptions { Url = "http://central:5090", Token = Token }).Problems();
        var standalone = Edge(new CentralSyncOptions()).Problems();

        Assert.Empty(synced);
        Assert.Contains(standalone, p => p.StartsWith("Edge:LedgerPath", StringComparison.Ordinal));
    }
}
