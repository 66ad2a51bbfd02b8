using System.Globalization;
using System.Text.Json;
using Venue.Console.Tests.Infrastructure;
using Venue.Domain.CheckIn;
using Venue.Domain.Telemetry;
using Venue.OpsConsole.Model;
using static Microsoft.Playwright.Assertions;

namespace Venue.Console.Tests.Browser;

/// <summary>
/// A console stays open for a whole event (twelve hours and more): the page keeps what it shows and what
/// the silo keeps, no more, and in the silo's order.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ConsoleMemoryBrowserTests(BrowserFixture browser, ITestOutputHelper output)
{
    private static bool Chromium(ITestOutputHelper output) => Requirement.Met(BrowserFixture.Available, $"Debian's chromium at {BrowserFixture.ChromiumPath}", output);

    [Fact]
    public async Task A_leaderboard_keeps_its_shown_top_in_the_silos_order_as_scores_stream_in()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync(attendees: 20);
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);

        // Four booths tied at the top, whose ids sort differently by ordinal and by locale, then thirty more below.
        var now = DateTimeOffset.UtcNow;
        foreach (var id in new[] { "b-booth", "B-booth", "a-booth", "A-booth" })
        {
            edge.Model.Leader(new LeaderboardChanged("booths", id, 900, 0, now));
        }

        for (var i = 0; i < 30; i++)
        {
            edge.Model.Leader(new LeaderboardChanged("booths", $"x{i:00}", 100 + i, 0, now));
        }

        await console.WaitForSequenceAsync(edge.Feed.Sequence);
        var expected = edge.Model.Snapshot().Leaderboards.Single().Entries.Select((e, i) => $"{i + 1}. {e.Id}").ToList();
        Assert.Equal(["1. A-booth", "2. B-booth", "3. a-booth", "4. b-booth"], expected.Take(4));
        var shown = console.Page.Locator("#boards [data-board='booths'] li .what");
        await Expect(shown).ToHaveTextAsync([.. expected]);
        Assert.Equal(10, await Kept(console, "boards"));

        // One from below climbs into the top: its event carries its whole score.
        edge.Model.Leader(new LeaderboardChanged("booths", "x00", 950, 0, now));
        await console.WaitForSequenceAsync(edge.Feed.Sequence);
        expected = [.. edge.Model.Snapshot().Leaderboards.Single().Entries.Select((e, i) => $"{i + 1}. {e.Id}")];
        Assert.Equal("1. x00", expected[0]);
        await Expect(shown).ToHaveTextAsync([.. expected]);
        Assert.Equal(10, await Kept(console, "boards"));
    }

    [Fact]
    public async Task Alerts_and_conflicts_the_silo_trimmed_leave_the_page_too_and_active_alerts_stay()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync(attendees: 20);
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);
        var now = DateTimeOffset.UtcNow;

        // Ten alerts raised and cleared, then as many active ones as the silo keeps: the cleared ones go first.
        for (var i = 0; i < 10; i++)
        {
            edge.Model.Alert(new ZoneAlert($"c{i}", ZoneLevel.Warn, true, 800, 1000, now));
            edge.Model.Alert(new ZoneAlert($"c{i}", ZoneLevel.Warn, false, 500, 1000, now));
        }

        for (var i = 0; i < ConsoleModel.AlertsKept; i++)
        {
            edge.Model.Alert(new ZoneAlert($"z{i:000}", ZoneLevel.Warn, true, 800, 1000, now));
        }

        for (var i = 1; i <= ConsoleModel.ConflictsKept + 5; i++)
        {
            var passage = new PassageView("north", "G01", now, i);
            edge.Model.Conflict(new ConflictView(i, $"a{i}", passage, passage with { Edge = "south" }, now, null, null));
        }

        await console.WaitForSequenceAsync(edge.Feed.Sequence);
        var snapshot = edge.Model.Snapshot();
        Assert.Equal(ConsoleModel.AlertsKept, snapshot.Alerts.Count);
        Assert.All(snapshot.Alerts, a => Assert.True(a.Active));
        await Expect(console.Page.Locator("#alerts li[data-alert-id]")).ToHaveCountAsync(ConsoleModel.AlertsKept);
        await Expect(console.Page.Locator("#alerts li.cleared")).ToHaveCountAsync(0);
        await Expect(console.Page.Locator("#conflicts li[data-conflict-id]")).ToHaveCountAsync(ConsoleModel.ConflictsKept);
        var shownConflicts = await console.Page.Locator("#conflicts li[data-conflict-id]").EvaluateAllAsync<long[]>("(items) => items.map((li) => Number(li.dataset.conflictId))");
        Assert.Equal(snapshot.Conflicts.Select(c => c.Id), shownConflicts);
    }

    [Fact]
    public async Task A_gates_minutes_older_than_the_window_shown_are_forgotten()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync(attendees: 20);
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);

        // Scans in forty different minutes of the last hour, as twelve hours of scanning leave them.
        var now = DateTimeOffset.UtcNow;
        for (var m = 40; m >= 0; m--)
        {
            edge.Model.Scan(new ScanFact("G01", "north", ScanDirection.Entry, ScanReason.Admitted, $"t{m}", now.AddMinutes(-m), m + 1));
        }

        await console.WaitForSequenceAsync(edge.Feed.Sequence);
        await Expect(console.Gate("G01", "admitted-count")).ToHaveTextAsync("41");
        var minutes = await console.Page.EvaluateAsync<JsonElement>("() => window.venueConsole.kept().minutes");
        output.WriteLine($"minutes kept: {minutes}");
        Assert.InRange(minutes.GetProperty("G01").GetInt32(), 1, ConsoleModel.MinutesKept);
    }

    private static async Task<int> Kept(ConsolePage console, string what) =>
        (await console.Page.EvaluateAsync<JsonElement>("() => window.venueConsole.kept()")).GetProperty(what).GetProperty("booths").GetInt32();
}
