using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Venue.Simulation;

/// <summary>What the in-process silo hosts share: settings in memory, quiet logs, real Kestrel on a free loopback port.</summary>
internal static class LoopbackApp
{
    public static async Task<(WebApplication App, Uri Address)> StartAsync(IReadOnlyDictionary<string, string?> settings, IReadOnlyDictionary<string, string?>? more,
        Action<WebApplicationBuilder> add, Action<WebApplication> map, Action<ILoggingBuilder>? logging, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        if (more is not null)
        {
            // Added after, so these add to or override the settings above.
            builder.Configuration.AddInMemoryCollection(more);
        }

        builder.Logging.ClearProviders();
        logging?.Invoke(builder.Logging);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        add(builder);
        var app = builder.Build();
        map(app);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address));
    }
}
