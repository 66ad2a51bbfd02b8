using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Venue.Edge.Silo;
using Venue.OpsConsole;
using Venue.OpsConsole.Model;

namespace Venue.Edge.OpsConsole;

public static class EdgeConsoleExtensions
{
    /// <summary>
    /// The edge's ops console: the shared console, fed from this edge's journal (every scan), its
    /// gates, its uplink's status and the telemetry grains' streams. Registered after the silo's
    /// hosted service, so it starts after the silo and stops before it.
    /// </summary>
    public static IHostApplicationBuilder AddEdgeConsole(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOpsConsole(sp => sp.GetRequiredService<IOptions<EdgeSiloOptions>>().Value.DataDirectory,
            sp => sp.GetRequiredService<IOptions<EdgeSiloOptions>>().Value.EdgeId);
        builder.Services.AddSingleton<IAttendeeLookup, EdgeAttendeeLookup>();
        builder.Services.AddSingleton<EdgeConsoleFeeder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EdgeConsoleFeeder>());
        return builder;
    }

    public static WebApplication MapEdgeConsole(this WebApplication app)
    {
        app.MapOpsConsole();
        return app;
    }
}
