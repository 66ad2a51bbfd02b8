using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Venue.Console.Tests.Infrastructure;
using Venue.Domain.Leaderboards;
using Venue.Domain.Telemetry;
using Venue.Runtime.Streams;
using Venue.Simulation.Network;
using static Microsoft.Playwright.Assertions;

namespace Venue.Console.Tests.Browser;

/// <summary>The edge's console in a real browser (Debian's chromium, headless) against a real edge on loopback.</summary>
[Collection(BrowserCollection.Name)]
public sealed class EdgeConsoleBrowserTests(BrowserFixture browser, ITestOutputHelper output)
{
    private static bool Chromium(ITestOutputHelper output) => Requirement.Met(BrowserFixture.Available, $"Debian's chromium at {BrowserFixture.ChromiumPath}", output);

    [Fact]
    public async Task After_signing_in_a_scan_moves_the_gate_counter_without_reloading()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);
        await Expect(console.Gate("G01", "admitted-count")).ToHaveTextAsync("0");

        var badge = edge.NextBadge();
        await edge.Scanner.ScanAsync("G01", badge.Token);
        await edge.AdmitAsync("G01");
        await edge.AdmitAsync("G01");
        await Expect(console.Gate("G01", "admitted-count")).ToHaveTextAsync("3");

        // The same badge again is refused, and the refusal is counted by its reason.
        await edge.Scanner.ScanAsync("G01", badge.Token);
        await Expect(console.Gate("G01", "refused-count")).ToHaveTextAsync("1");
        await Expect(console.Gate("G01", "reasons")).ToHaveTextAsync("already inside 1");
        await Expect(console.Page.Locator("#scans li").First).ToContainTextAsync("already inside");

        Assert.Equal(1, await console.Page.EvaluateAsync<int>("() => performance.getEntriesByType('navigation').length"));
        Assert.DoesNotContain("venue_console", await console.Page.EvaluateAsync<string>("() => document.cookie"), StringComparison.Ordinal);
        await console.ScreenshotAsync("edge-gates");
    }

    [Fact]
    public async Task A_zone_crossing_its_threshold_turns_its_tile_and_raises_an_alert_ops_can_acknowledge()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);

        // Published on the edge's own grain streams, as the zone grains will: the console reads them like any subscriber.
        var streams = edge.Silo.Streams;
        var occupancy = streams.GetStream<ZoneOccupancyChanged>(new StreamId(TelemetryStreams.ZoneOccupancy, "hall-a"));
        var alerts = streams.GetStream<ZoneAlert>(new StreamId(TelemetryStreams.ZoneAlerts, "hall-a"));
        var now = DateTimeOffset.UtcNow;
        await occupancy.OnNextAsync(new ZoneOccupancyChanged("hall-a", 610, 1000, ZoneLevel.Normal, now, now));
        await Expect(console.Zone("hall-a")).ToHaveAttributeAsync("data-level", "normal");
        await Expect(console.Zone("hall-a")).ToHaveCSSAsync("background-color", "rgb(31, 111, 59)");

        await occupancy.OnNextAsync(new ZoneOccupancyChanged("hall-a", 912, 1000, ZoneLevel.Alert, now, now));
        await alerts.OnNextAsync(new ZoneAlert("hall-a", ZoneLevel.Alert, true, 912, 1000, now));
        await Expect(console.Zone("hall-a")).ToHaveAttributeAsync("data-level", "alert");
        await Expect(console.Zone("hall-a")).ToHaveCSSAsync("background-color", "rgb(217, 72, 15)");
        var alert = console.Page.Locator("#alerts li[data-zone='hall-a']");
        await Expect(alert).ToContainTextAsync("alert");
        await console.ScreenshotAsync("edge-zone-alert");

        await alert.Locator("button.ack-button").ClickAsync();
        await Expect(alert.Locator(".ack")).ToContainTextAsync("seen by ops:ops desk");
        Assert.StartsWith("ops:ops desk", edge.Model.Snapshot().Alerts.Single().AcknowledgedBy, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dropped_stream_resumes_without_gaps_and_the_counter_equals_the_true_total()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        // The browser reaches the edge through a TCP proxy that can cut the network under it.
        await using var network = FaultProxy.Start(edge.Address);
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(network.Address, edge.OpsToken);
        var start = (await console.ProbeAsync()).LastSeq;

        for (var i = 0; i < 10; i++)
        {
            await edge.AdmitAsync("G01");
        }

        await Expect(console.Gate("G01", "admitted-count")).ToHaveTextAsync("10");

        // The server closes every stream; scans go on while the page reconnects with Last-Event-ID.
        Assert.Equal(1, edge.Feed.DisconnectAll());
        for (var i = 0; i < 10; i++)
        {
            await edge.AdmitAsync("G01");
        }

        await Eventually.UntilAsync(async () => (await console.ProbeAsync()).Opens >= 2, Signal.Limit, "the page to reconnect after the server closed its stream");

        // The network itself goes: open connections are cut and new ones refused while scans go on; then it heals.
        network.Partition();
        await Expect(console.Page.Locator("#conn")).ToHaveTextAsync("reconnecting");
        for (var i = 0; i < 10; i++)
        {
            await edge.AdmitAsync("G01");
        }

        network.Heal();
        await Eventually.UntilAsync(async () => (await console.ProbeAsync()).Opens >= 3, Signal.Limit, "the page to reconnect after the network healed");

        var truth = (await edge.Scanner.GateAsync("G01")).GetProperty("admitted").GetInt64();
        Assert.Equal(30, truth);
        await Expect(console.Gate("G01", "admitted-count")).ToHaveTextAsync(truth.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await console.WaitForSequenceAsync(edge.Feed.Sequence);

        var probe = await console.ProbeAsync();
        output.WriteLine($"opens {probe.Opens}, snapshots {probe.Snapshots}, resyncs {probe.Resyncs}, gaps {probe.Gaps}, duplicates {probe.Duplicates}, seqs {probe.Seqs.Count}");
        Assert.Equal(0, probe.Gaps);
        Assert.Equal(0, probe.Duplicates);
        Assert.Equal(0, probe.Resyncs);
        Assert.Equal(Enumerable.Range(1, (int)(edge.Feed.Sequence - start)).Select(i => start + i), probe.Seqs);
        await console.ScreenshotAsync("edge-after-reconnect");
    }

    [Fact]
    public async Task The_console_is_usable_on_a_phone_sized_screen()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(width: 390, height: 844), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);
        await edge.AdmitAsync("G02");
        await Expect(console.Gate("G02", "admitted-count")).ToHaveTextAsync("1");

        // Nothing but the tables' own scrolling areas is wider than the screen.
        var overflow = await console.Page.EvaluateAsync<JsonElement>("() => ({ page: document.documentElement.scrollWidth, screen: window.innerWidth })");
        Assert.True(overflow.GetProperty("page").GetInt32() <= overflow.GetProperty("screen").GetInt32(), $"the page scrolls sideways: {overflow}");
        await console.ScreenshotAsync("edge-phone");
    }

    [Fact]
    public async Task On_a_portrait_tablet_every_gate_column_shows_and_every_control_is_a_44_px_tap_target()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        // What a tablet gets: a touch screen, so the page sees a coarse pointer.
        var console = new ConsolePage(await browser.NewPageAsync(width: 768, height: 1024, touch: true), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);
        var alerts = edge.Silo.Streams.GetStream<ZoneAlert>(new StreamId(TelemetryStreams.ZoneAlerts, "hall-a"));
        await alerts.OnNextAsync(new ZoneAlert("hall-a", ZoneLevel.Alert, true, 912, 1000, DateTimeOffset.UtcNow));
        var used = edge.NextBadge();
        await edge.Scanner.ScanAsync("G01", used.Token);
        await edge.Scanner.ScanAsync("G01", used.Token);
        await edge.Scanner.ScanAsync("G01", "not-a-badge");
        await edge.AdmitAsync("G02");
        await Expect(console.Gate("G01", "refused-count")).ToHaveTextAsync("2");
        await Expect(console.Page.Locator("#alerts button.ack-button")).ToBeVisibleAsync();
        Assert.True(await console.Page.EvaluateAsync<bool>("() => matchMedia('(pointer: coarse)').matches"), "the tablet's pointer is coarse");

        var measured = await console.Page.EvaluateAsync<JsonElement>("""
            () => {
              const gates = document.querySelector('#gates').parentElement;
              const controls = [...document.querySelectorAll('button, input')].filter((e) => e.getClientRects().length > 0)
                .map((e) => ({ what: e.id || e.name || e.className || e.textContent, height: e.getBoundingClientRect().height }));
              return { page: document.documentElement.scrollWidth, screen: window.innerWidth,
                       gatesScroll: gates.scrollWidth, gatesVisible: gates.clientWidth, controls };
            }
            """);
        output.WriteLine(measured.ToString());
        await console.ScreenshotAsync("edge-tablet-portrait");
        Assert.True(measured.GetProperty("page").GetInt32() <= measured.GetProperty("screen").GetInt32(), $"the page scrolls sideways: {measured}");
        Assert.True(measured.GetProperty("gatesScroll").GetInt32() <= measured.GetProperty("gatesVisible").GetInt32(), $"gate columns hidden behind a sideways scroll: {measured}");
        var controls = measured.GetProperty("controls").EnumerateArray().ToList();
        // Sign out, Acknowledge, the lookup's field and its button.
        Assert.True(controls.Count >= 4, $"the controls shown: {measured}");
        Assert.All(controls, c => Assert.True(c.GetProperty("height").GetDouble() >= 44, $"smaller than a 44 px tap target: {c}"));
    }

    [Fact]
    public async Task A_late_answer_to_an_acknowledgement_does_not_undo_what_the_stream_said_since()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);
        var alerts = edge.Silo.Streams.GetStream<ZoneAlert>(new StreamId(TelemetryStreams.ZoneAlerts, "hall-a"));
        var occupancy = edge.Silo.Streams.GetStream<ZoneOccupancyChanged>(new StreamId(TelemetryStreams.ZoneOccupancy, "hall-a"));
        var now = DateTimeOffset.UtcNow;
        await alerts.OnNextAsync(new ZoneAlert("hall-a", ZoneLevel.Alert, true, 912, 1000, now));
        var alert = console.Page.Locator("#alerts li[data-zone='hall-a']");
        await Expect(alert).ToHaveClassAsync(new Regex(@"\bactive\b"));

        // The acknowledgement reaches the edge, but its answer is held back on the way to the page.
        var acknowledged = Signal.New();
        var answer = Signal.New();
        await console.Page.RouteAsync("**/console/api/alerts/*/acknowledge", async route =>
        {
            var response = await route.FetchAsync();
            acknowledged.TrySetResult();
            await answer.Task.WithTimeout("the test to let the acknowledgement's answer through");
            await route.FulfillAsync(new RouteFulfillOptions { Response = response });
        });
        await alert.Locator("button.ack-button").ClickAsync();
        await acknowledged.Task.WithTimeout("the acknowledgement to reach the edge");

        // Meanwhile the zone empties: the stream says the alert cleared (acknowledged, as the edge holds it).
        await alerts.OnNextAsync(new ZoneAlert("hall-a", ZoneLevel.Alert, false, 500, 1000, now.AddSeconds(1)));
        await Expect(alert).ToHaveClassAsync(new Regex(@"\bcleared\b"));
        await Expect(alert.Locator(".ack")).ToContainTextAsync("seen by ops:ops desk");

        // Then the old answer (the alert active, as it was when acknowledged) arrives, and one more event after it.
        var finished = console.Page.WaitForRequestFinishedAsync(new PageWaitForRequestFinishedOptions
        {
            Predicate = r => r.Url.EndsWith("/acknowledge", StringComparison.Ordinal), Timeout = (float)Signal.Limit.TotalMilliseconds,
        });
        answer.TrySetResult();
        await finished;
        await occupancy.OnNextAsync(new ZoneOccupancyChanged("hall-a", 500, 1000, ZoneLevel.Normal, now.AddSeconds(2), now.AddSeconds(2)));
        await Expect(console.Zone("hall-a")).ToHaveAttributeAsync("data-level", "normal");

        await Expect(alert).ToHaveClassAsync(new Regex(@"\bcleared\b"));
        Assert.False(edge.Model.Snapshot().Alerts.Single().Active);
    }

    [Fact]
    public async Task An_acknowledgement_that_fails_gives_the_button_back_and_says_why()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);
        var alerts = edge.Silo.Streams.GetStream<ZoneAlert>(new StreamId(TelemetryStreams.ZoneAlerts, "hall-a"));
        await alerts.OnNextAsync(new ZoneAlert("hall-a", ZoneLevel.Alert, true, 912, 1000, DateTimeOffset.UtcNow));
        var button = console.Page.Locator("#alerts li[data-zone='hall-a'] button.ack-button");
        await Expect(button).ToBeEnabledAsync();

        // The network drops the request.
        await console.Page.RouteAsync("**/console/api/alerts/*/acknowledge", route => route.AbortAsync("connectionreset"));
        await button.ClickAsync();
        await Expect(console.Page.Locator("#alerts-note")).ToContainTextAsync("could not be sent");
        await Expect(button).ToBeEnabledAsync();

        // The edge no longer keeps the alert (trimmed): 404.
        await console.Page.UnrouteAllAsync();
        await console.Page.RouteAsync("**/console/api/alerts/*/acknowledge", route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 404, ContentType = "application/problem+json", Body = """{"title":"Unknown alert","status":404}""",
        }));
        await button.ClickAsync();
        await Expect(console.Page.Locator("#alerts-note")).ToContainTextAsync("no longer kept");
        await Expect(button).ToBeEnabledAsync();
        Assert.Null(edge.Model.Snapshot().Alerts.Single().AcknowledgedAt);
    }

    /// <summary>Two booths tie: the leaderboard ranks first the one that reached the score first, whatever their ids, and so does the console.</summary>
    [Fact]
    public async Task A_tie_on_a_leaderboard_is_shown_in_the_leaderboards_own_order()
    {
        if (!Chromium(output))
        {
            return;
        }

        // A layout turns the edge's telemetry on, and with it the leaderboard grains.
        using var layoutDirectory = new TempDirectory();
        var layout = layoutDirectory.File("layout.json");
        await File.WriteAllTextAsync(layout, """{ "zones": [ { "id": "hall-a", "name": "Hall A", "capacity": 100 } ] }""");
        await using var edge = await ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Edge:LayoutPath"] = layout });
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);

        var board = edge.Silo.Grains.GetGrain<ILeaderboardGrain>(LeaderboardNames.Booths);
        await board.AddPointsAsync("zed-robotics", 100, "visit-1");
        await board.AddPointsAsync("acme", 60, "visit-1");
        await board.AddPointsAsync("acme", 40, "visit-2");
        var ranked = (await board.GetTopAsync(10)).Select(e => $"{e.Rank}. {e.Id}").ToList();
        Assert.Equal(["1. zed-robotics", "2. acme"], ranked);

        var shown = console.Page.Locator($"#boards [data-board='{LeaderboardNames.Booths}'] li .what");
        await Expect(shown).ToHaveTextAsync([.. ranked]);
        Assert.Equal(["zed-robotics", "acme"], edge.Model.Snapshot().Leaderboards.Single(b => b.Board == LeaderboardNames.Booths).Entries.Select(e => e.Id));

        // Loaded from the snapshot, too.
        await console.Page.ReloadAsync();
        await console.ReadyAsync();
        await Expect(shown).ToHaveTextAsync([.. ranked]);
    }
}
