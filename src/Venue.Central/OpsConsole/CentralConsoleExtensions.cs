using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Venue.Central.Silo;
using Venue.OpsConsole;
using Venue.OpsConsole.Model;

namespace Venue.Central.OpsConsole;

public static class CentralConsoleExtensions
{
    /// <summary>
    /// Central's ops console: the shared console, fed from the check-ins edges upload, the conflicts
    /// reconciliation finds, the silo table and the telemetry grains' streams. Registered after the
    /// silo's hosted service, so it starts after the silo and stops before it.
    /// </summary>
    public static IHostApplicationBuilder AddCentralConsole(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOpsConsole(sp => sp.GetRequiredService<IOptions<CentralOptions>>().Value.DataDirectory,
            sp => sp.GetRequiredService<IOptions<CentralOptions>>().Value.SiloId);
        builder.Services.AddSingleton<IAttendeeLookup, CentralAttendeeLookup>();
        builder.Services.AddSingleton<IConflictDesk, CentralConflictDesk>();
        builder.Services.AddSingleton<CentralConsoleFeeder>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CentralConsoleFeeder>());
        return builder;
    }

    public static WebApplication MapCentralConsole(this WebApplication app)
    {
        app.MapOpsConsole();
        return app;
    }
}
