using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Venue.Edge.Silo;

/// <summary>Starts the edge silo before the server takes requests, and stops it after.</summary>
public sealed class EdgeSiloService(IOptions<EdgeSiloOptions> options, TimeProvider time, ILoggerFactory loggers) : IHostedService
{
    private EdgeSilo? _silo;

    public EdgeSilo Silo => _silo ?? throw new InvalidOperationException("The edge silo has not started.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _silo = await EdgeSilo.StartAsync(options.Value, time, loggers, centralHandler: null, cancellationToken);
        var s = _silo.Startup;
        loggers.CreateLogger<EdgeSiloService>().LogInformation(
            "Edge {EdgeId} started in {Total} ms: {Attendees} attendees (ledger {Ledger} ms, version {Version} from {Source}, {Changes} stored changes), {Replayed} journal entries replayed, {Remote} remote passages, {Gates} gates",
            _silo.EdgeId, (int)s.Total.TotalMilliseconds, s.Attendees, (int)s.LedgerLoad.TotalMilliseconds, s.LedgerVersion, s.LedgerSource,
            s.LedgerChangesApplied, s.JournalEntriesReplayed, s.RemotePassages, _silo.Gates.All.Count);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }
}
