using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Venue.Central;
using Venue.Central.Silo;
using Venue.Domain.Devices;
using Venue.Domain.Ledger;

namespace Venue.Simulation;

/// <summary>A central silo behind real Kestrel on a loopback port, configured in memory.</summary>
public sealed class CentralWebHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private CentralWebHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public CentralSilo Silo => _app.Services.GetRequiredService<CentralSilo>();

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts central. <paramref name="postgres"/> null: the embedded SQLite store in
    /// <paramref name="dataDirectory"/>. <paramref name="more"/> adds or overrides settings ("Central:LateAfter" ...).
    /// </summary>
    public static async Task<CentralWebHost> StartAsync(string eventId, string dataDirectory, string signingKeyPath, IReadOnlyList<TicketType> ticketTypes,
        string? postgres = null, IReadOnlyDictionary<string, string?>? more = null, Action<ILoggingBuilder>? logging = null, CancellationToken cancellationToken = default)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Central:EventId"] = eventId,
            ["Central:DataDirectory"] = dataDirectory,
            ["Central:SigningKeyPath"] = signingKeyPath,
            ["Central:PostgresConnectionString"] = postgres,
        };
        for (var i = 0; i < ticketTypes.Count; i++)
        {
            var t = ticketTypes[i];
            settings[$"Central:TicketTypes:{i}:Name"] = t.Name;
            settings[$"Central:TicketTypes:{i}:Reentry"] = t.Reentry.ToString(CultureInfo.InvariantCulture);
            for (var j = 0; j < (t.Gates?.Count ?? 0); j++)
            {
                settings[$"Central:TicketTypes:{i}:Gates:{j}"] = t.Gates![j];
            }
        }

        var (app, address) = await LoopbackApp.StartAsync(settings, more, b => b.AddVenueCentral(), a => a.MapVenueCentral(), logging, cancellationToken);
        return new CentralWebHost(app, address);
    }

    /// <summary>Registers an edge with central and returns the token it syncs with.</summary>
    public async Task<string> AddEdgeAsync(string edgeId, CancellationToken cancellationToken = default)
    {
        var (_, token) = await Silo.Store.Devices.CreateAsync(edgeId, DeviceRole.Edge, cancellationToken);
        return token;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
