using Microsoft.Extensions.Configuration;
using Venue.Edge.Silo;
using Venue.Edge.Sync;

namespace Venue.Edge.Tests.Sync;

public sealed class CentralSyncOptionsTests
{
    private const string Token = "vdt_0123456789ab_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA";

    [Fact]
    public void Without_a_url_the_edge_is_standalone_but_its_central_settings_are_still_checked()
    {
        var standalone = new CentralSyncOptions();
        var badBatch = new CentralSyncOptions { UploadBatchSize = 0, RetryMax = TimeSpan.FromDays(2) };

        Assert.False(standalone.IsEnabled);
        Assert.Empty(standalone.Problems());
        Assert.Equal(2, badBatch.Problems().Count);
        Assert.Contains(badBatch.Problems(), p => p.StartsWith("Edge:Central:UploadBatchSize", StringComparison.Ordinal));
        Assert.Contains(badBatch.Problems(), p => p.StartsWith("Edge:Central:RetryMax", StringComparison.Ordinal));
    }

    [Fact]
    public void A_token_without_a_url_is_a_problem_since_the_edge_would_silently_not_sync()
    {
        var problem = Assert.Single(new CentralSyncOptions { Token = Token }.Problems());

        Assert.Contains("Edge:Central:Url is empty, so this edge would not sync", problem, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, problem, StringComparison.Ordinal);
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

    [Theory]
    [InlineData("RetryMax", "2", "00:00:02")]
    [InlineData("RetryMin", "1", "00:00:01")]
    [InlineData("StatusEvery", "5", "00:00:05")]
    [InlineData("RequestTimeout", "15", "00:00:15")]
    [InlineData("ChangesWait", "10", "00:00:10")]
    public void A_bare_number_binds_as_days_and_is_refused_with_how_to_write_seconds(string key, string value, string seconds)
    {
        // As VENUE_Edge__Central__RetryMax=2 arrives: the binder reads "2" as 2.00:00:00.
        var options = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Edge:Central:Url"] = "http://central:5090",
            ["Edge:Central:Token"] = Token,
            [$"Edge:Central:{key}"] = value,
        }).Build().GetSection("Edge:Central").Get<CentralSyncOptions>()!;

        var problem = Assert.Single(options.Problems());

        Assert.StartsWith($"Edge:Central:{key}: {value}.00:00:00 is not between", problem, StringComparison.Ordinal);
        Assert.Contains($"'{value}' is {value} day", problem, StringComparison.Ordinal);
        Assert.Contains($"write {seconds}", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_uplink_duration_has_a_maximum_of_minutes_not_days()
    {
        var problems = new CentralSyncOptions
        {
            Url = "http://central:5090",
            Token = Token,
            RetryMin = TimeSpan.FromMinutes(2),
            RetryMax = TimeSpan.FromMinutes(6),
            StatusEvery = TimeSpan.FromSeconds(31),
            RequestTimeout = TimeSpan.FromMinutes(6),
        }.Problems();

        Assert.Equal(
            ["Edge:Central:RetryMin", "Edge:Central:RetryMax", "Edge:Central:StatusEvery", "Edge:Central:RequestTimeout"],
            problems.Select(p => p[..p.IndexOf(": ", StringComparison.Ordinal)]));
        Assert.All(problems, p => Assert.DoesNotContain("bare number", p, StringComparison.Ordinal));
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
