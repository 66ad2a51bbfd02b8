using System.Net;
using Venue.Central.Security;
using Venue.Domain.Central;

namespace Venue.Central.Tests.Integrator;

/// <summary>
/// The failed API key throttle behind a reverse proxy: it counts the client the named proxy
/// forwarded, and believes nobody else's <c>X-Forwarded-For</c>. Central runs on real Kestrel at a
/// loopback address, which plays the proxy's.
/// </summary>
public sealed class ReverseProxyTests
{
    private const string Guess = "vak_0123456789ab_notasecret";

    private static HttpClient From(IntegratorHost central, string? forwardedFor, string key = Guess)
    {
        var client = central.Client(key);
        if (forwardedFor is not null)
        {
            client.DefaultRequestHeaders.Add("X-Forwarded-For", forwardedFor);
        }

        return client;
    }

    private static async Task GuessUntilThrottledAsync(HttpClient guesser)
    {
        for (var i = 0; i < ApiKeyThrottle.FailuresAllowed; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.GetAsync("/v1/stats")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await guesser.GetAsync("/v1/stats")).StatusCode);
    }

    [Fact]
    public async Task Behind_a_named_proxy_one_client_guessing_keys_holds_up_only_itself()
    {
        await using var central = await IntegratorHost.StartAsync(new Dictionary<string, string?> { ["ReverseProxy:KnownProxies:0"] = "127.0.0.0/8" });
        var key = await central.CreateKeyAsync(ApiScope.StatsRead);

        await GuessUntilThrottledAsync(From(central, "203.0.113.5"));

        // Another client behind the same proxy: its first wrong key is just wrong, its right key works.
        Assert.Equal(HttpStatusCode.Unauthorized, (await From(central, "203.0.113.6").GetAsync("/v1/stats")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await From(central, "203.0.113.6", key).GetAsync("/v1/stats")).StatusCode);
        // Through a chain of named proxies the client is the first address none of them is.
        Assert.Equal(HttpStatusCode.TooManyRequests, (await From(central, "203.0.113.5, 127.0.0.2").GetAsync("/v1/stats")).StatusCode);
    }

    [Fact]
    public async Task Without_a_named_proxy_a_forwarded_address_is_not_believed()
    {
        await using var central = await IntegratorHost.StartAsync();

        // Each guess claims another address; all of them come from this one.
        for (var i = 0; i < ApiKeyThrottle.FailuresAllowed; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await From(central, $"203.0.113.{i + 1}").GetAsync("/v1/stats")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await From(central, "198.51.100.1").GetAsync("/v1/stats")).StatusCode);
    }
}
