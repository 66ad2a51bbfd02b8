using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Venue.Domain.Devices;
using Venue.Edge.Tests.Infrastructure;

namespace Venue.Edge.Tests.Sync;

/// <summary>The edge as <c>venue edge</c> runs it (AddVenueEdge, Kestrel) with <c>Edge:Central</c> configured.</summary>
public sealed class HostedSyncTests(ITestOutputHelper output)
{
    private static async Task<WebApplication> StartHostAsync(SyncWorld world, Dictionary<string, string?> central)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Edge:EdgeId"] = "north",
            ["Edge:DataDirectory"] = world.Directory.File("north"),
            ["Edge:Gates:0:Id"] = "G01",
            ["Edge:Gates:0:Name"] = "Gate 1",
            ["Edge:Gates:0:Zone"] = "hall-a",
        };
        foreach (var (key, value) in central)
        {
            settings[$"Edge:Central:{key}"] = value;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders().AddProvider(world.Log);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddVenueEdge();
        var app = builder.Build();
        app.MapVenueEdge();
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task A_hosted_edge_with_a_central_downloads_its_ledger_uploads_scans_reports_status_and_shows_its_sync_on_healthz()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        await using var app = await StartHostAsync(world, new()
        {
            ["Url"] = world.Central.Address.ToString(),
            ["Token"] = world.Central.TokenFor("north"),
            ["RetryMin"] = "00:00:00.010",
            ["RetryMax"] = "00:00:00.100",
            ["StatusEvery"] = "00:00:00.100",
        });
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var (_, scannerToken) = await app.Services.GetRequiredService<IDeviceCredentialStore>().CreateAsync("lane 1", DeviceRole.Scanner);
        using var http = new HttpClient { BaseAddress = address };

        var scan = await new ScannerClient(http, scannerToken).ScanAsync("G01", badge);
        await world.Central.UntilAsync(c => c.HighestContiguous("north") == 1 && c.Statuses.Any(s => s.UploadedSequence == 1 && s.Status == "online"),
            "the scan and a status report saying it is uploaded");
        using var health = JsonDocument.Parse(await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
        var sync = health.RootElement.GetProperty("sync");

        Assert.Equal((HttpStatusCode.OK, "admitted"), (scan.Status, scan.Result));
        Assert.Equal("online", sync.GetProperty("status").GetString());
        Assert.Equal(1, sync.GetProperty("uploadedSequence").GetInt64());
        Assert.Equal(1, sync.GetProperty("journalSequence").GetInt64());
        Assert.Equal(world.Central.LedgerVersion, sync.GetProperty("ledgerVersion").GetInt64());
        Assert.Equal(0, sync.GetProperty("journalLagMs").GetDouble());
        // Every request named the event of the ledger it synced (central refuses another event's edge),
        // but the download of its first ledger, when it had none.
        Assert.Equal(new string?[] { null, TestLedger.EventId }.Order(), world.Central.EventsSent.Order());
    }

    [Fact]
    public async Task A_standalone_edge_shows_no_sync_on_healthz()
    {
        await using var scenario = await EdgeScenario.StartAsync(ledger => ledger.Add("A-1"));

        var health = await scenario.Scanner.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.False(health.Json.TryGetProperty("sync", out _), $"no sync object: {health.Body}");
    }

    [Fact]
    public async Task A_hosted_edge_with_a_central_but_no_token_does_not_start_and_says_what_to_set()
    {
        await using var world = await SyncWorld.StartAsync(output);

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => StartHostAsync(world, new() { ["Url"] = world.Central.Address.ToString() }));

        Assert.Contains("Edge:Central:Token", failure.Message, StringComparison.Ordinal);
        Assert.Contains("VENUE_Edge__Central__Token", failure.Message, StringComparison.Ordinal);
        Assert.Equal(0, world.Central.Requests("GET /v1/sync/ledger"));
    }
}
