using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Venue.Edge.Silo;

/// <summary>Starts the edge silo before the server takes requests, and stops it after.</summary>
public sealed class EdgeSiloService(IOptions<EdgeSiloOptions> options, TimeProvider time, ILogger<EdgeSiloService> logger) : IHostedService
{
    private EdgeSilo? _silo;

    public EdgeSilo Silo => _silo ?? throw new InvalidOperationException("The edge silo has not started.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _silo = await EdgeSilo.StartAsync(options.Value, time, cancellationToken);
        var s = _silo.Startup;
        logger.LogInformation("Edge {EdgeId} started in {Total} ms: {Attendees} attendees (ledger {Ledger} ms), {Replayed} journal entries replayed, {Gates} gates",
            _silo.EdgeId, (int)s.Total.TotalMilliseconds, s.Attendees, (int)s.LedgerLoad.TotalMilliseconds, s.JournalEntriesReplayed, _silo.Gates.All.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }
}
