using System.Text.Json;
using Microsoft.Playwright;

namespace Venue.Console.Tests.Infrastructure;

/// <summary>The console as a test drives it in the browser: sign in, read what the page shows and what it saw on the stream.</summary>
public sealed class ConsolePage(IPage page, ITestOutputHelper output)
{
    public IPage Page => page;

    public async Task OpenAndSignInAsync(Uri address, string opsToken)
    {
        await page.GotoAsync(new Uri(address, "/console/").ToString());
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
        await page.FillAsync("#token", opsToken);
        await page.ClickAsync("#login button[type=submit]");
        await ReadyAsync();
    }

    /// <summary>Opens the page and waits for its sign-in form (the page has no session yet).</summary>
    public async Task OpenAsync(Uri address)
    {
        await page.GotoAsync(new Uri(address, "/console/").ToString());
        await Assertions.Expect(page.Locator("#login")).ToBeVisibleAsync();
    }

    /// <summary>
    /// From the next load on, counts the page's EventSource objects from outside its code: every one it
    /// creates is kept in <c>window.__eventSources</c>, closed or not.
    /// </summary>
    public Task TrackEventSourcesAsync() => page.AddInitScriptAsync("""
        (() => {
          const Native = window.EventSource;
          window.__eventSources = [];
          window.EventSource = class extends Native {
            constructor(...args) { super(...args); window.__eventSources.push(this); }
          };
        })();
        """);

    /// <summary>The page's EventSource objects not closed (connecting or open); needs <see cref="TrackEventSourcesAsync"/>.</summary>
    public Task<int> OpenEventSourcesAsync() =>
        page.EvaluateAsync<int>("() => window.__eventSources.filter((s) => s.readyState !== EventSource.CLOSED).length");

    public async Task ReadyAsync()
    {
        await page.WaitForFunctionAsync("() => window.venueConsole && window.venueConsole.ready && window.venueConsole.opens > 0",
            null, new PageWaitForFunctionOptions { Timeout = (float)Signal.Limit.TotalMilliseconds });
    }

    public ILocator Gate(string gateId, string column) => page.Locator($"#gates tr[data-gate='{gateId}'] .{column}");

    public ILocator Zone(string zoneId) => page.Locator($"#zones .zone[data-zone='{zoneId}']");

    /// <summary>What the page's probe recorded: the sequence numbers it applied and its counters.</summary>
    public async Task<ProbeState> ProbeAsync()
    {
        var json = await page.EvaluateAsync<JsonElement>("""
            () => { const p = window.venueConsole; return { lastSeq: p.lastSeq, seqs: p.seqs, gaps: p.gaps, duplicates: p.duplicates,
              resyncs: p.resyncs, opens: p.opens, snapshots: p.snapshots, latencies: p.latencies, renderLatencies: p.renderLatencies }; }
            """);
        return new ProbeState(
            json.GetProperty("lastSeq").GetInt64(),
            [.. json.GetProperty("seqs").EnumerateArray().Select(e => e.GetInt64())],
            json.GetProperty("gaps").GetInt32(),
            json.GetProperty("duplicates").GetInt32(),
            json.GetProperty("resyncs").GetInt32(),
            json.GetProperty("opens").GetInt32(),
            json.GetProperty("snapshots").GetInt32(),
            [.. json.GetProperty("latencies").EnumerateArray().Select(e => e.GetDouble())],
            [.. json.GetProperty("renderLatencies").EnumerateArray().Select(e => e.GetDouble())]);
    }

    public async Task WaitForSequenceAsync(long sequence) =>
        await page.WaitForFunctionAsync($"() => window.venueConsole.lastSeq >= {sequence}", null,
            new PageWaitForFunctionOptions { Timeout = (float)Signal.Limit.TotalMilliseconds });

    public async Task ScreenshotAsync(string name)
    {
        var path = Path.Combine(BrowserFixture.Screenshots, $"{name}.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        output.WriteLine($"screenshot: {path}");
    }
}

public sealed record ProbeState(long LastSeq, IReadOnlyList<long> Seqs, int Gaps, int Duplicates, int Resyncs, int Opens, int Snapshots,
    IReadOnlyList<double> Latencies, IReadOnlyList<double> RenderLatencies);
