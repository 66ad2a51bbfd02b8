using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Venue.Central;
using Venue.Central.Integrator;
using Venue.Central.Silo;

namespace Venue.SyncBench.Hosting;

/// <summary>
/// Central with the integrator API, composed as the integrator tests compose it (central, then
/// <see cref="IntegratorEndpoints.AddIntegratorApi"/>, the rate limiter after authorization,
/// <see cref="IntegratorEndpoints.MapIntegratorApi"/>). Only for as long as central's own host
/// (<c>MapVenueCentral</c>, hence <c>CentralWebHost</c>) does not map the integrator API: the export
/// scenario asks <c>CentralWebHost</c> first and comes here only when it answers 404.
/// </summary>
internal sealed class IntegratorCentralHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private IntegratorCentralHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public CentralSilo Silo => _app.Services.GetRequiredService<CentralSilo>();

    public static async Task<IntegratorCentralHost> StartAsync(CentralOptions options, BenchEnvironment environment, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Central:EventId"] = options.EventId,
            ["Central:DataDirectory"] = options.DataDirectory,
            ["Central:SigningKeyPath"] = options.SigningKeyPath,
            ["Central:PostgresConnectionString"] = options.PostgresConnectionString,
        };
        for (var i = 0; i < options.TicketTypes.Count; i++)
        {
            settings[$"Central:TicketTypes:{i}:Name"] = options.TicketTypes[i].Name;
            settings[$"Central:TicketTypes:{i}:Reentry"] = options.TicketTypes[i].Reentry.ToString(CultureInfo.InvariantCulture);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        environment.Logging(builder.Logging);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddVenueCentral();
        builder.Services.AddIntegratorApi();
        var app = builder.Build();
        app.MapVenueCentral();
        app.UseRateLimiter();
        app.MapIntegratorApi();
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new IntegratorCentralHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
