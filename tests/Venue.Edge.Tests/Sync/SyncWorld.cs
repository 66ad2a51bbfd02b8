using Microsoft.Extensions.Logging;
using Venue.Edge.Silo;
using Venue.Edge.Sync;
using Venue.Edge.Tests.Infrastructure;

namespace Venue.Edge.Tests.Sync;

/// <summary>One test's world for the uplink: a directory of its own, the event's signing key, a fake central and a log.</summary>
public sealed class SyncWorld : IAsyncDisposable
{
    private SyncWorld(TempDirectory directory, TestLedger keys, FakeCentral central, TestLog log)
    {
        Directory = directory;
        Keys = keys;
        Central = central;
        Log = log;
        Loggers = log.Factory;
    }

    public TempDirectory Directory { get; }

    public TestLedger Keys { get; }

    public FakeCentral Central { get; }

    public TestLog Log { get; }

    public ILoggerFactory Loggers { get; }

    public static async Task<SyncWorld> StartAsync(ITestOutputHelper output)
    {
        var directory = new TempDirectory();
        var keys = new TestLedger();
        try
        {
            return new SyncWorld(directory, keys, await FakeCentral.StartAsync(keys), new TestLog(output));
        }
        catch
        {
            keys.Dispose();
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Options of an edge with its own data directory and token at central, retrying fast.</summary>
    public EdgeSiloOptions Edge(string edgeId, Action<CentralSyncOptions>? adjust = null, string ledgerPath = "")
    {
        var central = SyncedEdge.Fast(Central.Address, Central.TokenFor(edgeId));
        adjust?.Invoke(central);
        return SyncedEdge.OptionsFor(Directory.File(edgeId), edgeId, central, ledgerPath);
    }

    public Task<SyncedEdge> StartEdgeAsync(EdgeSiloOptions options, bool sync = true, HttpMessageHandler? centralHandler = null) =>
        SyncedEdge.StartAsync(options, Loggers, sync, centralHandler);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Central.DisposeAsync();
        }
        finally
        {
            Loggers.Dispose();
            Keys.Dispose();
            Directory.Dispose();
        }
    }
}
