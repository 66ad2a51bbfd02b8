using Microsoft.Playwright;

namespace Venue.Console.Tests.Infrastructure;

/// <summary>
/// One headless Debian chromium for the browser tests, driven by Playwright through ExecutablePath
/// (Playwright's own browser download cannot work on these machines). Missing chromium: the tests
/// skip on a developer's machine and fail under CI (see <see cref="Requirement"/>).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser? Browser { get; private set; }

    public static bool Available => File.Exists(ChromiumPath);

    /// <summary>Where screenshots go: the test output directory.</summary>
    public static string Screenshots { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async Task InitializeAsync()
    {
        if (!Available)
        {
            return;
        }

        Directory.CreateDirectory(Screenshots);
        // Expect(...) polls the page until the state holds; this is its deadline.
        Assertions.SetDefaultExpectTimeout((float)Signal.Limit.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        });
    }

    /// <summary>A fresh context (its own cookies) with a tablet-sized landscape viewport.</summary>
    /// <param name="touch">A touch screen and a mobile browser, as a tablet or phone has: CSS's <c>(pointer: coarse)</c> matches.</param>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900, bool touch = false)
    {
        var context = await Browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            HasTouch = touch,
            IsMobile = touch,
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        return await context.NewPageAsync();
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
