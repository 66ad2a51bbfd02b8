using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Venue.Console.Tests.Infrastructure;
using Venue.Simulation.Network;
using static Microsoft.Playwright.Assertions;

namespace Venue.Console.Tests.Browser;

/// <summary>
/// How the page loads, connects and starts over when things overlap or go wrong: loads that overlap,
/// answers that cannot be read, sessions of two silos on one host, streams that go quiet.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleLifecycleBrowserTests(BrowserFixture browser, ITestOutputHelper output)
{
    private static bool Chromium(ITestOutputHelper output) => Requirement.Met(BrowserFixture.Available, $"Debian's chromium at {BrowserFixture.ChromiumPath}", output);

    [Fact]
    public async Task A_double_click_on_sign_in_opens_one_stream()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.TrackEventSourcesAsync();
        var snapshots = await SnapshotRoute.InstallAsync(console.Page);
        snapshots.Delay = TimeSpan.FromMilliseconds(500);
        await console.OpenAsync(edge.Address);

        await console.Page.FillAsync("#token", edge.OpsToken);
        await console.Page.DblClickAsync("#login button[type=submit]");
        await console.ReadyAsync();
        await snapshots.SettledAsync();

        Assert.Equal(1, await console.OpenEventSourcesAsync());
        Assert.Equal(1, snapshots.Streams);
        await Eventually.UntilAsync(() => Task.FromResult(edge.Feed.Clients == 1), Signal.Limit, () => $"the edge to hold one stream (it holds {edge.Feed.Clients})");
        await Expect(console.Page.Locator("#conn")).ToHaveTextAsync("live");
    }

    [Fact]
    public async Task The_network_coming_back_during_a_load_leaves_one_stream()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.TrackEventSourcesAsync();
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);

        // The page loads again with its session; while its snapshot is on the way the laptop comes back onto the LAN.
        var snapshots = await SnapshotRoute.InstallAsync(console.Page);
        snapshots.Hold = true;
        await console.Page.ReloadAsync();
        await snapshots.FirstArrived.WithTimeout("the reloaded page to ask for its snapshot");
        await console.Page.EvaluateAsync("() => window.dispatchEvent(new Event('online'))");
        snapshots.Release();
        await console.ReadyAsync();
        await snapshots.SettledAsync();

        Assert.Equal(1, await console.OpenEventSourcesAsync());
        await Eventually.UntilAsync(() => Task.FromResult(edge.Feed.Clients == 1), Signal.Limit, () => $"the edge to hold one stream (it holds {edge.Feed.Clients})");

        // One stream: each scan is applied once, and the page stays on it.
        await edge.AdmitAsync("G01");
        await Expect(console.Gate("G01", "admitted-count")).ToHaveTextAsync("1");
        await console.WaitForSequenceAsync(edge.Feed.Sequence);
        var probe = await console.ProbeAsync();
        Assert.Equal((0, 0), (probe.Duplicates, probe.Gaps));
    }

    [Fact]
    public async Task A_snapshot_that_cannot_be_read_is_loaded_again_and_the_page_goes_live()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        var snapshots = await SnapshotRoute.InstallAsync(console.Page);
        await console.OpenAsync(edge.Address);
        // The load after signing in gets a cut-off body with a 200, as a dropped connection or a captive portal gives.
        var first = snapshots.Requests + 1;
        snapshots.Answer = n => n == first ? (200, """{"epoch":""") : null;
        await console.Page.FillAsync("#token", edge.OpsToken);
        await console.Page.ClickAsync("#login button[type=submit]");

        await console.ReadyAsync();
        await Expect(console.Page.Locator("#conn")).ToHaveTextAsync("live");
        Assert.Equal(first + 1, snapshots.Requests);
        await edge.AdmitAsync("G01");
        await Expect(console.Gate("G01", "admitted-count")).ToHaveTextAsync("1");
    }

    [Fact]
    public async Task Signing_in_to_a_second_silo_on_the_same_host_keeps_the_first_signed_in()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        await using var central = await ConsoleCentral.StartAsync();
        Assert.Equal(edge.Address.Host, central.Address.Host);
        Assert.NotEqual(edge.Address.Port, central.Address.Port);

        // One browser, two tabs: the edge's console, then central's (cookies are per host, not per port).
        var edgeConsole = new ConsolePage(await browser.NewPageAsync(), output);
        await edgeConsole.OpenAndSignInAsync(edge.Address, edge.OpsToken);
        var centralConsole = new ConsolePage(await edgeConsole.Page.Context.NewPageAsync(), output);
        await centralConsole.OpenAndSignInAsync(central.Address, central.OpsToken);

        // The edge's stream is cut; its reconnect must still carry the edge's own session.
        var opens = (await edgeConsole.ProbeAsync()).Opens;
        Assert.Equal(1, edge.Feed.DisconnectAll());
        await Eventually.UntilAsync(async () => (await edgeConsole.ProbeAsync()).Opens > opens, Signal.Limit, "the edge's console to reconnect");
        await Expect(edgeConsole.Page.Locator("#conn")).ToHaveTextAsync("live");
        await Expect(edgeConsole.Page.Locator("#login")).ToBeHiddenAsync();
        await edge.AdmitAsync("G01");
        await Expect(edgeConsole.Gate("G01", "admitted-count")).ToHaveTextAsync("1");

        // And central's console still has its own.
        await centralConsole.Page.ReloadAsync();
        await centralConsole.ReadyAsync();
        await Expect(centralConsole.Page.Locator("#login")).ToBeHiddenAsync();
    }

    [Fact]
    public async Task A_connection_that_goes_silent_leaves_live_and_the_page_reconnects()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Console:Feed:Heartbeat"] = "00:00:01" });
        await using var network = FaultProxy.Start(edge.Address);
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(network.Address, edge.OpsToken);
        await Expect(console.Page.Locator("#conn")).ToHaveTextAsync("live");

        // The link stays up but nothing gets through (a Wi-Fi that hangs, a NAT that forgot the flow): no error, no close.
        network.Delay = TimeSpan.FromHours(1);
        await Expect(console.Page.Locator("#conn")).ToHaveTextAsync("stalled");
        Assert.True(await console.Page.EvaluateAsync<int>("() => window.venueConsole.stalls") >= 1, "the page says why it left live");

        // Its snapshot load hangs on the same link: it gives up after as many heartbeats, not 'loading' for ever.
        await Expect(console.Page.Locator("#conn")).ToHaveTextAsync("offline", new() { Timeout = 15_000 });

        // The link comes back: the stuck connections are reset and the page loads and connects again.
        network.Delay = TimeSpan.Zero;
        network.Partition();
        network.Heal();
        await Expect(console.Page.Locator("#conn")).ToHaveTextAsync("live");
        await edge.AdmitAsync("G01");
        await Expect(console.Gate("G01", "admitted-count")).ToHaveTextAsync("1");
    }

    [Fact]
    public async Task A_console_that_fell_behind_reloads_and_says_it_resynced_and_why()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Console:Feed:ReplayCapacity"] = "16" });
        await using var network = FaultProxy.Start(edge.Address);
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(network.Address, edge.OpsToken);
        await Expect(console.Page.Locator("#resynced")).ToBeHiddenAsync();

        // Away for longer than the silo's replay buffer holds: its reconnect is told to resync.
        network.Partition();
        await Expect(console.Page.Locator("#conn")).ToHaveTextAsync("reconnecting");
        for (var i = 0; i < 40; i++)
        {
            await edge.AdmitAsync("G01");
        }

        network.Heal();
        await Eventually.UntilAsync(async () => (await console.ProbeAsync()).Resyncs >= 1, Signal.Limit, "the page to be told to resync");
        await Expect(console.Page.Locator("#resynced")).ToHaveTextAsync(new Regex(@"^resynced \(behind\) at "));
        await Expect(console.Page.Locator("#conn")).ToHaveTextAsync("live");
        await Expect(console.Gate("G01", "admitted-count")).ToHaveTextAsync("40");
    }

    [Fact]
    public async Task A_hole_in_the_stream_reloads_the_snapshot_and_the_page_says_so()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        // The first stream skips an event (its next one is two past the snapshot's); later ones are the silo's.
        var streams = 0;
        await console.Page.RouteAsync("**/console/api/stream*", async route =>
        {
            if (Interlocked.Increment(ref streams) > 1)
            {
                await route.ContinueAsync();
                return;
            }

            var after = Uri.UnescapeDataString(new Uri(route.Request.Url).Query.Split("after=")[1]);
            var epoch = after[..after.LastIndexOf('-')];
            var next = long.Parse(after[(after.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture) + 2;
            await route.FulfillAsync(new RouteFulfillOptions
            {
                Status = 200,
                ContentType = "text/event-stream",
                Body = $"retry: 1000\n\nid: {epoch}-{next}\nevent: silo\ndata: {{\"seq\":{next},\"ts\":0,\"data\":{{}}}}\n\n",
            });
        });
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);

        await Eventually.UntilAsync(async () => (await console.ProbeAsync()).Gaps >= 1, Signal.Limit, "the page to see the hole");
        await Expect(console.Page.Locator("#resynced")).ToHaveTextAsync(new Regex(@"^resynced \(gap\) at "));
        await Eventually.UntilAsync(async () => (await console.ProbeAsync()).Snapshots >= 2, Signal.Limit, "the page to load the snapshot again");
        await Expect(console.Page.Locator("#conn")).ToHaveTextAsync("live");
        await edge.AdmitAsync("G01");
        await Expect(console.Gate("G01", "admitted-count")).ToHaveTextAsync("1");
    }
}
