using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Venue.Domain.Gates;
using Venue.Edge;
using Venue.Edge.Silo;

namespace Venue.Simulation;

/// <summary>An edge silo behind real Kestrel on a loopback port, configured in memory.</summary>
public sealed class EdgeWebHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private EdgeWebHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public EdgeSilo Silo => _app.Services.GetRequiredService<EdgeSiloService>().Silo;

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Starts an edge. <paramref name="ledgerPath"/> null: none (with <c>Edge:Central:Url</c> in
    /// <paramref name="more"/>, the edge downloads its ledger from central). <paramref name="more"/>
    /// adds or overrides settings (<c>Edge:Central:Url</c>, <c>Edge:Central:Token</c> ...).
    /// </summary>
    public static async Task<EdgeWebHost> StartAsync(string edgeId, string dataDirectory, string? ledgerPath, IReadOnlyList<GateDefinition> gates,
        int scansPerSecondPerDevice, IReadOnlyDictionary<string, string?>? more = null, CancellationToken cancellationToken = default)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Edge:EdgeId"] = edgeId,
            ["Edge:DataDirectory"] = dataDirectory,
            ["Edge:LedgerPath"] = ledgerPath,
            ["Edge:ScansPerSecondPerDevice"] = scansPerSecondPerDevice.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        for (var i = 0; i < gates.Count; i++)
        {
            var g = gates[i];
            settings[$"Edge:Gates:{i}:Id"] = g.Id;
            settings[$"Edge:Gates:{i}:Name"] = g.Name;
            settings[$"Edge:Gates:{i}:Zone"] = g.Zone;
            settings[$"Edge:Gates:{i}:OpensAt"] = g.OpensAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            settings[$"Edge:Gates:{i}:ClosesAt"] = g.ClosesAt?.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            for (var j = 0; j < (g.AllowedTicketTypes?.Count ?? 0); j++)
            {
                settings[$"Edge:Gates:{i}:AllowedTicketTypes:{j}"] = g.AllowedTicketTypes![j];
            }
        }

        var (app, address) = await LoopbackApp.StartAsync(settings, more, b => b.AddVenueEdge(), a => a.MapVenueEdge(), null, cancellationToken);
        return new EdgeWebHost(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
