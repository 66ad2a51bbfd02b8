using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Venue.Hosting.ReverseProxy;

public static class ReverseProxyExtensions
{
    /// <summary>Believes <c>X-Forwarded-For</c>/<c>-Proto</c> from the <see cref="ReverseProxyOptions.KnownProxies"/> only (and from nobody when there are none).</summary>
    public static IHostApplicationBuilder AddVenueReverseProxy(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var problems = ReverseProxyOptions.Problems(builder.Configuration);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(" ", problems));
        }

        var options = builder.Configuration.GetSection(ReverseProxyOptions.Section).Get<ReverseProxyOptions>() ?? new ReverseProxyOptions();
        builder.Services.AddSingleton(options);
        builder.Services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Through a chain of named proxies (a CDN, then a load balancer), back to the first address none of them is.
            forwarded.ForwardLimit = null;
            // The defaults trust loopback; here only what the operator named is trusted.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var entry in options.KnownProxies)
            {
                ReverseProxyOptions.TryParse(entry, out var address, out var network);
                if (address is not null)
                {
                    forwarded.KnownProxies.Add(address);
                }
                else if (network is { } known)
                {
                    forwarded.KnownIPNetworks.Add(known);
                }
            }
        });
        return builder;
    }

    /// <summary>First in the pipeline, so authentication, throttles and cookies see the client the proxy forwarded.</summary>
    public static WebApplication UseVenueReverseProxy(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.Services.GetRequiredService<ReverseProxyOptions>().Enabled)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }
}
