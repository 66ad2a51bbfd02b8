using Microsoft.Extensions.DependencyInjection;
using Venue.Console.Tests.Infrastructure;
using Venue.OpsConsole.Model;
using static Microsoft.Playwright.Assertions;

namespace Venue.Console.Tests.Browser;

/// <summary>Central's console in a real browser: uploads from edges, the silo table, and conflicts ops acknowledge.</summary>
[Collection(BrowserCollection.Name)]
public sealed class CentralConsoleBrowserTests(BrowserFixture browser, ITestOutputHelper output)
{
    [Fact]
    public async Task A_badge_admitted_at_two_edges_shows_as_a_conflict_that_ops_acknowledge_in_the_store()
    {
        if (!Requirement.Met(BrowserFixture.Available, $"Debian's chromium at {BrowserFixture.ChromiumPath}", output))
        {
            return;
        }

        await using var central = await ConsoleCentral.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(central.Address, central.OpsToken);
        await Expect(console.Page.Locator("#silo")).ToHaveTextAsync("central central");
        await Expect(console.Page.Locator("#silos tr[data-silo='central'] .status")).ToHaveTextAsync("online");

        // Two edges that could not see each other both admitted a1.
        await central.UploadAdmissionAsync("north", "G01", "a1");
        await central.UploadAdmissionAsync("north", "G01", "a2");
        await central.UploadAdmissionAsync("south", "G21", "a1");
        await Expect(console.Gate("G01", "admitted-count")).ToHaveTextAsync("2");
        await Expect(console.Gate("G21", "admitted-count")).ToHaveTextAsync("1");

        var conflict = console.Page.Locator("#conflicts li[data-conflict-id]");
        await Expect(conflict).ToContainTextAsync("a1");
        await Expect(conflict).ToContainTextAsync("north/G01");
        await console.ScreenshotAsync("central-conflict");

        await conflict.Locator("button.ack-button").ClickAsync();
        await Expect(conflict.Locator(".ack")).ToContainTextAsync("seen by ops:ops desk");
        var stored = Assert.Single(await central.Silo.Store.ListConflictsAsync(0, 10));
        Assert.StartsWith("ops:ops desk", stored.AcknowledgedBy, StringComparison.Ordinal);
        await console.ScreenshotAsync("central-conflict-acknowledged");

        // A later upload explains it (an exit between the two admissions): reconciliation deletes it, and the page drops it.
        await central.Silo.Store.ReplaceConflictsAsync("a1", []);
        await Expect(console.Page.Locator("#conflicts li[data-conflict-id]")).ToHaveCountAsync(0);
        await Expect(console.Page.Locator("#conflicts li.empty")).ToHaveTextAsync("No conflicts.");
    }

    /// <summary>An edge back from a partition uploads scans made ten minutes ago: central holds their gate idle, and so must the page.</summary>
    [Fact]
    public async Task A_scan_uploaded_late_leaves_its_gate_idle_on_the_page_as_on_the_silo()
    {
        if (!Requirement.Met(BrowserFixture.Available, $"Debian's chromium at {BrowserFixture.ChromiumPath}", output))
        {
            return;
        }

        await using var central = await ConsoleCentral.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(central.Address, central.OpsToken);
        var model = central.Services.GetRequiredService<ConsoleModel>();

        var then = DateTimeOffset.UtcNow.AddMinutes(-10);
        await central.Silo.IngestAsync("north", [central.NextAdmission("north", "G07", "late-1") with { ScannedAt = then, At = then }]);
        await Expect(console.Gate("G07", "admitted-count")).ToHaveTextAsync("1");
        // The status is drawn with the count its scan event carried: no gate event follows to correct it.
        Assert.Equal("idle", model.Snapshot().Gates.Single(g => g.Id == "G07").Status);
        Assert.Equal("idle", await console.Gate("G07", "status").TextContentAsync());

        // A scan made now turns it online, on both.
        await central.UploadAdmissionAsync("north", "G07", "now-1");
        await Expect(console.Gate("G07", "admitted-count")).ToHaveTextAsync("2");
        Assert.Equal("online", model.Snapshot().Gates.Single(g => g.Id == "G07").Status);
        Assert.Equal("online", await console.Gate("G07", "status").TextContentAsync());
    }
}
