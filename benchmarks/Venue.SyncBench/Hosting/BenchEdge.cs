using Venue.Domain.CheckIn;
using Venue.Domain.Gates;
using Venue.Edge.Silo;
using Venue.Edge.Sync;

namespace Venue.SyncBench.Hosting;

/// <summary>
/// An edge silo in the bench's process with its real uplink to a central: started the way a fresh
/// edge starts (no ledger of its own, so it downloads central's snapshot first), scanned through
/// <see cref="EdgeSilo.ScanAsync"/> (gate and attendee grains, durable SQLite journal).
/// </summary>
internal sealed class BenchEdge : IAsyncDisposable
{
    public static readonly IReadOnlyList<GateDefinition> Gates =
        [.. Enumerable.Range(1, 8).Select(i => new GateDefinition($"G{i:D2}", $"Gate {i}"))];

    private readonly EdgeSiloOptions _options;

    private BenchEdge(EdgeSilo silo, EdgeSiloOptions options, TimeProvider time)
    {
        Silo = silo;
        _options = options;
        Time = time;
    }

    public EdgeSilo Silo { get; }

    public TimeProvider Time { get; }

    public string EdgeId => Silo.EdgeId;

    /// <summary>The running uplink (after <see cref="StartSync"/>).</summary>
    public CentralSync Sync => Silo.Sync ?? throw new InvalidOperationException($"Edge {EdgeId} is not syncing.");

    /// <summary>
    /// Registers the edge at central and starts it on a fresh data directory; returns once it has
    /// downloaded and loaded the ledger and is ready to scan. <paramref name="via"/> is where it
    /// reaches central (a fault proxy), central itself by default.
    /// </summary>
    public static async Task<BenchEdge> StartAsync(BenchEnvironment environment, BenchCentral central, string edgeId, Uri? via = null,
        TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        var token = await central.AddEdgeAsync(edgeId, cancellationToken);
        return await StartAsync(environment, edgeId, token, via ?? central.Address, time, cancellationToken);
    }

    /// <summary>Starts an edge already registered at central (its token known); the start alone, for timing it.</summary>
    public static async Task<BenchEdge> StartAsync(BenchEnvironment environment, string edgeId, string token, Uri central,
        TimeProvider? time = null, CancellationToken cancellationToken = default)
    {
        time ??= TimeProvider.System;
        var options = new EdgeSiloOptions
        {
            EdgeId = edgeId,
            DataDirectory = environment.NewDirectory($"edge-{edgeId}"),
            Gates = [.. Gates],
            Central = new CentralSyncOptions { Url = central.ToString(), Token = token },
        };
        var problems = options.Problems();
        if (problems.Count > 0)
        {
            throw new InvalidOperationException($"Edge {edgeId} is misconfigured: {string.Join(" ", problems)}");
        }

        var silo = await EdgeSilo.StartAsync(options, time, environment.Loggers, centralHandler: null, cancellationToken);
        return new BenchEdge(silo, options, time);
    }

    /// <summary>Starts the uplink: journal upload, ledger changes, status reports.</summary>
    public CentralSync StartSync() => Silo.StartSync(_options.Central);

    /// <summary>Waits until both the upload and the ledger feed have had an answer from central.</summary>
    public Task WaitOnlineAsync(CancellationToken cancellationToken) =>
        Sync.WaitForAsync(s => s.Status == SyncStatus.Online, cancellationToken);

    public Task<ScanResult> EnterAsync(string token, string gateId, string nonce) =>
        Silo.ScanAsync(gateId, new ScanRequest(token, ScanDirection.Entry, nonce, Time.GetUtcNow()));

    public async ValueTask DisposeAsync() => await Silo.DisposeAsync();
}
