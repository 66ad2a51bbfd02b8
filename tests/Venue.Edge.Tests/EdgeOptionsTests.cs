using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Venue.Edge.Silo;

namespace Venue.Edge.Tests;

/// <summary>The <c>Edge</c> section's checks, as <c>venue edge</c> prints them and as the host enforces them.</summary>
public sealed class EdgeOptionsTests
{
    private static Dictionary<string, string?> Settings(TempDirectory directory, Dictionary<string, string?> more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Edge:EdgeId"] = "north",
            ["Edge:DataDirectory"] = directory.File("north"),
            ["Edge:LedgerPath"] = directory.File("ledger.jsonl"),
            ["Edge:Gates:0:Id"] = "G01",
            ["Edge:Gates:0:Name"] = "Gate 1",
            ["Edge:Gates:0:Zone"] = "hall-a",
        };
        foreach (var (key, value) in more)
        {
            settings[key] = value;
        }

        return settings;
    }

    private static EdgeSiloOptions Bind(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(EdgeSiloOptions.Section).Get<EdgeSiloOptions>()!;

    [Theory]
    [InlineData("Edge:Readers:MaxBodyBytes", "256")]
    [InlineData("Edge:Readers:MaxClockAhead", "-00:00:05")]
    [InlineData("Edge:Readers:MaxClockAhead", "00:00:00")]
    public async Task A_reader_setting_out_of_its_range_is_named_and_the_hosted_edge_does_not_start(string key, string value)
    {
        using var directory = new TempDirectory();
        await File.WriteAllTextAsync(directory.File("ledger.jsonl"), "");
        var settings = Settings(directory, new() { [key] = value });
        var member = key[(key.LastIndexOf(':') + 1)..];

        var problems = Bind(settings).Problems();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddVenueEdge();
        await using var app = builder.Build();
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(problems, p => p.StartsWith($"{key}:", StringComparison.Ordinal));
        Assert.Contains(member, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reader_settings_within_their_ranges_are_no_problem()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.File("ledger.jsonl"), "");

        var problems = Bind(Settings(directory, new()
        {
            ["Edge:Readers:MaxBodyBytes"] = "1024",
            ["Edge:Readers:MaxClockAhead"] = "00:00:01",
        })).Problems();

        Assert.Empty(problems);
    }
}
