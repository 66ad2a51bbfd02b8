using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Venue.Edge.Silo;

/// <summary>Starts the edge silo before the server takes requests, and stops it after.</summary>
public sealed class EdgeSiloService(IOptions<EdgeSiloOptions> options, TimeProvider time, ILoggerFactory loggers) : IHostedService
{
    private EdgeSilo? _silo;
    private EdgeDirectoryLock? _claimed;

    public EdgeSilo Silo => _silo ?? throw new InvalidOperationException("The edge silo has not started.");

    /// <summary>
    /// Takes the lock on Edge:DataDirectory now (once; <see cref="StartAsync"/> takes it otherwise), so a
    /// host can refuse a second edge on the directory before it starts: an IOException naming the
    /// directory. A host that fails to start logs the failure with its stack trace.
    /// </summary>
    public void ClaimDataDirectory() => _claimed ??= EdgeDirectoryLock.Acquire(options.Value.DataDirectory);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        ClaimDataDirectory();
        var claimed = _claimed;
        _claimed = null; // The silo owns it now, and releases it when it stops or fails to start.
        _silo = await EdgeSilo.StartAsync(options.Value, time, loggers, centralHandler: null, claimed, cancellationToken);
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

        _claimed?.Dispose();
    }
}
