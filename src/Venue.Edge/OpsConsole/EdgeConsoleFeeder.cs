using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Venue.Domain.Journal;
using Venue.Domain.Leaderboards;
using Venue.Domain.Telemetry;
using Venue.Domain.Zones;
using Venue.Edge.Silo;
using Venue.OpsConsole.Model;

namespace Venue.Edge.OpsConsole;

/// <summary>
/// Feeds the edge's console. Scans come from the journal, not from the scan path: the feeder waits
/// for appends (the uplink's own signal) and reads what was committed, so a console can never slow
/// a scanner down and sees exactly what the edge recorded, refusals included.
/// </summary>
public sealed class EdgeConsoleFeeder(EdgeSiloService host, ConsoleModel model, TimeProvider time, ILogger<EdgeConsoleFeeder> logger) : IHostedService, IAsyncDisposable
{
    /// <summary>How often gate statuses (open, idle) and the uplink's row are brought up to date.</summary>
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private IDisposable? _telemetry;
    private Task _running = Task.CompletedTask;

    /// <summary>
    /// Folds the journal in before the server takes requests (no events: nobody is connected yet),
    /// then follows it. Catching up reads the whole journal once; at 100,000 entries that is a
    /// fraction of a second added to the edge's start.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var silo = host.Silo;
        model.Identify(silo.EdgeId, "edge");
        var now = time.GetUtcNow();
        foreach (var gate in silo.Gates.All)
        {
            model.DefineGate(gate.Id, gate.Name, gate.Zone, silo.EdgeId, gate.IsOpenAt(now));
        }

        long after = 0;
        foreach (var entry in silo.Journal.ReadAll())
        {
            model.Scan(Fact(entry, silo.EdgeId), publish: false);
            after = entry.Sequence;
        }

        RefreshSilo(silo);
        _telemetry = TelemetryBridge.Connect(silo.Streams, model, logger);
        await SeedFloorAsync(silo);
        _running = Task.WhenAll(FollowJournalAsync(silo, after, _stopping.Token), RefreshAsync(silo, _stopping.Token));
    }

    /// <summary>
    /// Zones, their alerts and the boards' tops as the grains hold them: after a restart the journals
    /// rebuilt them before this subscribed, and their streams replay nothing. Read after subscribing,
    /// so a change made meanwhile arrives live and wins over what is read here.
    /// </summary>
    private async Task SeedFloorAsync(EdgeSilo silo)
    {
        if (silo.Telemetry is not { } telemetry)
        {
            return;
        }

        foreach (var zone in telemetry.Layout.Zones)
        {
            var status = await silo.Grains.GetGrain<IZoneGrain>(zone.Id).GetStatusAsync();
            var at = status.LastChangeAt ?? time.GetUtcNow();
            model.SeedZone(new ZoneOccupancyChanged(status.ZoneId, status.Occupancy, status.Capacity, status.Level, at, at));
        }

        foreach (var board in (string[])[LeaderboardNames.Attendees, LeaderboardNames.Booths])
        {
            foreach (var entry in await silo.Grains.GetGrain<ILeaderboardGrain>(board).GetTopAsync(ConsoleModel.LeadersShown))
            {
                model.SeedLeader(new LeaderboardChanged(board, entry.Id, entry.Score, entry.Rank, time.GetUtcNow()));
            }
        }
    }

    private async Task FollowJournalAsync(EdgeSilo silo, long after, CancellationToken stopping)
    {
        var failures = 0;
        try
        {
            while (true)
            {
                await silo.Journal.WaitForAppendAsync(after, stopping);
                try
                {
                    foreach (var entry in silo.Journal.ReadAll(after))
                    {
                        model.Scan(Fact(entry, silo.EdgeId));
                        after = entry.Sequence;
                    }

                    failures = 0;
                }
                catch (Exception e) when (e is not (ObjectDisposedException or OperationCanceledException))
                {
                    // A read that failed (the disk, briefly) must not end the console's scans for good: read on from the last one folded in.
                    failures++;
                    var delay = FollowRetry.DelayAfter(failures);
                    if (FollowRetry.WorthLogging(failures))
                    {
                        logger.LogWarning(e, "The console could not read the journal after entry {Sequence} (failure {Failures} in a row); trying again in {Delay} s.",
                            after, failures, delay.TotalSeconds);
                    }

                    await Task.Delay(delay, time, stopping);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (ObjectDisposedException)
        {
            // The journal closed under us: the silo is stopping.
        }
        catch (Exception e)
        {
            logger.LogError(e, "The console stopped following the journal after entry {Sequence}; consoles show no new scans until the edge restarts.", after);
        }
    }

    private async Task RefreshAsync(EdgeSilo silo, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(RefreshEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                var now = time.GetUtcNow();
                model.RefreshGates(id => silo.Gates.TryGet(id, out var gate) && gate.IsOpenAt(now));
                RefreshSilo(silo);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>The edge's own row: its uplink to central, or "standalone".</summary>
    private void RefreshSilo(EdgeSilo silo)
    {
        var journal = silo.Journal.LastSequence;
        model.Silo(silo.SyncStatus is { } sync
            ? new SiloView(silo.EdgeId, "edge", sync.Status, sync.JournalSequence, sync.UploadedSequence, sync.LedgerVersion,
                Math.Max(0, sync.JournalSequence - sync.UploadedSequence), sync.JournalLagMs, sync.SyncLagMs, sync.LastChangesAt)
            : new SiloView(silo.EdgeId, "edge", "standalone", journal, 0, silo.Ledger.Version, 0, 0, 0, null));
    }

    private static ScanFact Fact(JournalEntry entry, string edgeId) =>
        new(entry.GateId, edgeId, entry.Direction, entry.Reason, entry.AttendeeId, entry.At, entry.Sequence);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _telemetry?.Dispose();
        await _running;
        // Open streams end now, so the server's shutdown does not wait for them.
        model.Feed.DisconnectAll();
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }
}
