using Microsoft.Playwright;
using Venue.Console.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace Venue.Console.Tests.Browser;

/// <summary>
/// The attendee lookup on a tablet the ops desk shares: it names a person, so it shows the answer to
/// the id last asked, and nothing of it outlives the session it was asked in.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class AttendeeLookupBrowserTests(BrowserFixture browser, ITestOutputHelper output)
{
    private static bool Chromium(ITestOutputHelper output) => Requirement.Met(BrowserFixture.Available, $"Debian's chromium at {BrowserFixture.ChromiumPath}", output);

    [Fact]
    public async Task Signing_out_clears_the_attendee_looked_up_so_the_next_user_does_not_see_them()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);
        var attendee = edge.NextBadge().AttendeeId;
        await console.Page.FillAsync("#lookup input[name=id]", attendee);
        await console.Page.ClickAsync("#lookup button");
        await Expect(console.Page.Locator($"#attendee dl[data-attendee='{attendee}']")).ToBeVisibleAsync();

        await console.Page.ClickAsync("#logout");
        await Expect(console.Page.Locator("#login-error")).ToHaveTextAsync("Signed out.");
        // Gone from the page itself, not only hidden with it.
        await Expect(console.Page.Locator("#attendee > *")).ToHaveCountAsync(0);
        await Expect(console.Page.Locator("#lookup input[name=id]")).ToHaveValueAsync("");
        await Expect(console.Page.Locator("#gates tbody tr")).ToHaveCountAsync(0);

        await console.Page.FillAsync("#token", edge.OpsToken);
        await console.Page.ClickAsync("#login button[type=submit]");
        await console.ReadyAsync();
        await Expect(console.Page.Locator("#gates tbody tr[data-gate]").First).ToBeVisibleAsync();
        await Expect(console.Page.Locator("body")).Not.ToContainTextAsync(attendee);
        await Expect(console.Page.Locator("#lookup input[name=id]")).ToHaveValueAsync("");
    }

    [Fact]
    public async Task A_slow_answer_to_an_earlier_lookup_does_not_replace_the_answer_to_a_later_one()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);
        var slow = edge.NextBadge().AttendeeId;
        var fast = edge.NextBadge().AttendeeId;
        // The first answer is held on its way back until the second has been shown.
        var release = Signal.New();
        await console.Page.RouteAsync($"**/console/api/attendees/{slow}", async route =>
        {
            var response = await route.FetchAsync();
            await release.Task.WithTimeout("the test to let the first answer through");
            try
            {
                await route.FulfillAsync(new RouteFulfillOptions { Response = response });
            }
            catch (PlaywrightException)
            {
                // The page gave the request up meanwhile.
            }
        });

        await console.Page.FillAsync("#lookup input[name=id]", slow);
        await console.Page.ClickAsync("#lookup button");
        await console.Page.FillAsync("#lookup input[name=id]", fast);
        await console.Page.ClickAsync("#lookup button");
        await Expect(console.Page.Locator($"#attendee dl[data-attendee='{fast}']")).ToBeVisibleAsync();

        release.TrySetResult();
        await console.Page.WaitForFunctionAsync("() => window.venueConsole.lookups === 2", null,
            new PageWaitForFunctionOptions { Timeout = (float)Signal.Limit.TotalMilliseconds });
        await Expect(console.Page.Locator("#attendee dl")).ToHaveCountAsync(1);
        await Expect(console.Page.Locator($"#attendee dl[data-attendee='{fast}']")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task A_lookup_the_silo_cannot_be_reached_for_says_so()
    {
        if (!Chromium(output))
        {
            return;
        }

        await using var edge = await ConsoleEdge.StartAsync();
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);
        await console.Page.RouteAsync("**/console/api/attendees/*", route => route.AbortAsync("connectionrefused"));

        await console.Page.FillAsync("#lookup input[name=id]", edge.NextBadge().AttendeeId);
        await console.Page.ClickAsync("#lookup button");
        await Expect(console.Page.Locator("#attendee")).ToHaveTextAsync("The silo cannot be reached; try again.");
    }

    [Fact]
    public async Task A_lookup_after_the_session_ended_asks_to_sign_in_again()
    {
        if (!Chromium(output))
        {
            return;
        }

        // Open streams check their session every 5 minutes here: the lookup, not the stream, finds it ended.
        await using var edge = await ConsoleEdge.StartAsync(new Dictionary<string, string?> { ["Console:Feed:CredentialCheck"] = "00:05:00" });
        var console = new ConsolePage(await browser.NewPageAsync(), output);
        await console.OpenAndSignInAsync(edge.Address, edge.OpsToken);
        // Signed out from another tab of the same browser: the session ends on the silo, and this page does not know.
        await console.Page.EvaluateAsync("() => fetch('/console/session', { method: 'DELETE', credentials: 'same-origin' })");

        await console.Page.FillAsync("#lookup input[name=id]", edge.NextBadge().AttendeeId);
        await console.Page.ClickAsync("#lookup button");
        await Expect(console.Page.Locator("#login")).ToBeVisibleAsync();
        await Expect(console.Page.Locator("#login-error")).ToHaveTextAsync("Your session ended; sign in again.");
        await Expect(console.Page.Locator("#attendee > *")).ToHaveCountAsync(0);
    }
}
