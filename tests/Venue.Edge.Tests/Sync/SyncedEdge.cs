using Microsoft.Extensions.Logging;
using Venue.Domain.CheckIn;
using Venue.Domain.Gates;
using Venue.Edge.Silo;
using Venue.Edge.Sync;

namespace Venue.Edge.Tests.Sync;

/// <summary>
/// An edge silo in process (no scanner HTTP API: the uplink is what is under test) with its uplink
/// to a <see cref="FakeCentral"/>, retrying fast. Restartable on the same data directory.
/// </summary>
public sealed class SyncedEdge : IAsyncDisposable
{
    private static int _nonces;

    private SyncedEdge(EdgeSilo silo, EdgeSiloOptions options)
    {
        Silo = silo;
        Options = options;
    }

    public static IReadOnlyList<GateDefinition> Gates { get; } = [new("G01", "Gate 1", "hall-a"), new("G02", "Gate 2", "hall-a")];

    public EdgeSilo Silo { get; private set; }

    public EdgeSiloOptions Options { get; }

    public CentralSync Sync => Silo.Sync ?? throw new InvalidOperationException("This edge is not syncing.");

    /// <summary>Retries within tens of milliseconds, so a test of a failure does not wait for the production backoff.</summary>
    public static CentralSyncOptions Fast(Uri central, string token) => new()
    {
        Url = central.ToString(),
        Token = token,
        RetryMin = TimeSpan.FromMilliseconds(10),
        RetryMax = TimeSpan.FromMilliseconds(100),
        ChangesWait = TimeSpan.FromSeconds(5),
        StatusEvery = TimeSpan.FromMilliseconds(100),
        RequestTimeout = TimeSpan.FromSeconds(5),
    };

    public static EdgeSiloOptions OptionsFor(string dataDirectory, string edgeId, CentralSyncOptions central, string ledgerPath = "") => new()
    {
        EdgeId = edgeId,
        DataDirectory = dataDirectory,
        LedgerPath = ledgerPath,
        Gates = [.. Gates],
        Central = central,
    };

    /// <summary>
    /// Starts the silo (downloading the ledger first if it has none) and, unless told not to, its uplink;
    /// both talk to central through <paramref name="centralHandler"/> when one is given.
    /// </summary>
    public static async Task<SyncedEdge> StartAsync(EdgeSiloOptions options, ILoggerFactory loggers, bool sync = true, HttpMessageHandler? centralHandler = null)
    {
        var silo = await EdgeSilo.StartAsync(options, TimeProvider.System, loggers, centralHandler).WithTimeout($"edge {options.EdgeId} to start");
        if (sync)
        {
            silo.StartSync(options.Central, centralHandler);
        }

        return new SyncedEdge(silo, options);
    }

    public Task<ScanResult> ScanAsync(string gateId, string token, ScanDirection direction = ScanDirection.Entry) =>
        Silo.ScanAsync(gateId, new ScanRequest(token, direction, $"nonce-{Interlocked.Increment(ref _nonces)}", DateTimeOffset.UtcNow))
            .WithTimeout($"a scan at {Silo.EdgeId}/{gateId}");

    /// <summary>Waits until the uplink's status satisfies <paramref name="condition"/>.</summary>
    public Task UntilAsync(Func<SyncStatus, bool> condition, string awaited) => Sync.WaitForAsync(condition).WithTimeout($"{Silo.EdgeId}: {awaited}");

    public ValueTask DisposeAsync() => Silo.DisposeAsync();
}
