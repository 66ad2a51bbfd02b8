using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Venue.Central.Silo;
using Venue.Domain.Central;
using Venue.OpsConsole.Model;

namespace Venue.Central.OpsConsole;

/// <summary>
/// Feeds central's console: every check-in an edge uploads (followed through the change feed edges
/// long-poll on), conflicts, the silo table (edges offline turn their gates offline), and the
/// telemetry grains' streams.
/// </summary>
public sealed class CentralConsoleFeeder(CentralSiloService host, ConsoleModel model, TimeProvider time, ILogger<CentralConsoleFeeder> logger)
    : IHostedService, IAsyncDisposable
{
    /// <summary>How often the silo table, gate statuses and new conflicts are read.</summary>
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(2);

    private const int Page = 5_000;
    private static readonly TimeSpan LongPoll = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<string, string> _siloStatus = new(StringComparer.Ordinal);
    private IDisposable? _telemetry;
    private Task _running = Task.CompletedTask;
    private long _lastConflict;

    /// <summary>Folds in what central already holds before the server takes requests (no events: nobody is connected), then follows.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var silo = host.Silo;
        model.Identify(silo.Options.SiloId, "central");
        // Hand-offs start before the position is read: whatever is stored after it is then handed off or read.
        silo.Feed.Follow();
        // Every id up to the feed's position is committed; later ones come when the feed moves past them.
        var after = silo.Feed.FeedId;
        try
        {
            await foreach (var checkIn in silo.Store.StreamCheckInsAsync(0, passagesOnly: false, cancellationToken))
            {
                if (checkIn.FeedId > after)
                {
                    break;
                }

                model.Scan(Fact(checkIn), publish: false);
            }

            await RefreshAsync(silo, publish: false, cancellationToken);
        }
        catch
        {
            // Nobody will take what is handed off.
            silo.Feed.Unfollow();
            throw;
        }

        _telemetry = TelemetryBridge.Connect(silo.Streams, model, logger);
        _running = Task.WhenAll(FollowCheckInsAsync(silo, after, _stopping.Token), RefreshLoopAsync(silo, _stopping.Token));
    }

    /// <summary>
    /// Folds in every check-in after <paramref name="after"/>, once each and in feed-id order: from the
    /// batches the ingests hand off (<see cref="ChangeFeed.CheckInsStored"/>) where they cover the next
    /// ids, else from the store, up to the next handed-off batch or the feed's position.
    /// </summary>
    private async Task FollowCheckInsAsync(CentralSilo silo, long after, CancellationToken stopping)
    {
        // Handed-off batches not yet folded in, by their first feed id; each covers consecutive ids.
        var waiting = new SortedList<long, IReadOnlyList<StoredCheckIn>>();
        var failures = 0;
        try
        {
            while (true)
            {
                // Waits on the check-in feed only: a ledger version above long.MaxValue never comes.
                await silo.Feed.WaitAsync(long.MaxValue, after, LongPoll, time, stopping);
                var committed = silo.Feed.FeedId;
                while (after < committed)
                {
                    while (silo.Feed.TryTakeStored(out var batch))
                    {
                        if (batch[^1].FeedId > after && IsConsecutive(batch))
                        {
                            waiting[batch[0].FeedId] = batch;
                        }
                    }

                    if (waiting.Count > 0 && waiting.Keys[0] <= after + 1)
                    {
                        var next = waiting.Values[0];
                        waiting.RemoveAt(0);
                        foreach (var row in next)
                        {
                            if (row.FeedId > after)
                            {
                                model.Scan(Fact(row));
                            }
                        }

                        after = Math.Max(after, next[^1].FeedId);
                        continue;
                    }

                    // A gap: ids committed but not handed off (another ingest's batch still on its way, a
                    // repair, a hand-off dropped while behind). Read it, up to the next batch waiting.
                    var upTo = waiting.Count > 0 ? Math.Min(committed, waiting.Keys[0] - 1) : committed;
                    IReadOnlyList<StoredCheckIn> rows;
                    try
                    {
                        rows = await silo.Store.ReadCheckInsAsync(after, Page, passagesOnly: false, stopping);
                        failures = 0;
                    }
                    catch (Exception e) when (!stopping.IsCancellationRequested)
                    {
                        // A store blip must not end the console's scans for good: the same gap is read again.
                        await ReadFailedAsync(e, ++failures, after, stopping);
                        continue;
                    }

                    foreach (var row in rows.Where(r => r.FeedId <= upTo))
                    {
                        model.Scan(Fact(row));
                    }

                    after = rows.Count < Page ? upTo : Math.Min(upTo, rows[^1].FeedId);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "The console stopped following check-ins after feed id {FeedId}; consoles show no new scans until central restarts.", after);
        }
        finally
        {
            silo.Feed.Unfollow();
        }
    }

    /// <summary>Logs and waits as <see cref="FollowRetry"/> says.</summary>
    private async Task ReadFailedAsync(Exception e, int failures, long after, CancellationToken stopping)
    {
        var delay = FollowRetry.DelayAfter(failures);
        if (FollowRetry.WorthLogging(failures))
        {
            logger.LogWarning(e, "The console could not read check-ins after feed id {FeedId} (failure {Failures} in a row); trying again in {Delay} s.",
                after, failures, delay.TotalSeconds);
        }

        await Task.Delay(delay, time, stopping);
    }

    private static bool IsConsecutive(IReadOnlyList<StoredCheckIn> batch) =>
        batch[^1].FeedId - batch[0].FeedId == batch.Count - 1;

    private async Task RefreshLoopAsync(CentralSilo silo, CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(RefreshEvery, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                try
                {
                    await RefreshAsync(silo, publish: true, stopping);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "The console could not read the silo table or conflicts; trying again in {Seconds} s.", RefreshEvery.TotalSeconds);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task RefreshAsync(CentralSilo silo, bool publish, CancellationToken cancellationToken)
    {
        foreach (var row in await silo.ListSilosAsync(cancellationToken))
        {
            _siloStatus[row.SiloId] = row.Status;
            model.Silo(new SiloView(row.SiloId, row.Role, row.Status, row.JournalSequence, row.UploadedSequence, row.LedgerVersion,
                row.JournalLagEntries, row.JournalLagMs, row.SyncLagMs, row.LastSeenAt));
        }

        model.RefreshGates(isEdgeOnline: edge => edge is null || !_siloStatus.TryGetValue(edge, out var status) || status != "offline");

        while (true)
        {
            var conflicts = await silo.Store.ListConflictsAsync(_lastConflict, 500, cancellationToken);
            foreach (var conflict in conflicts)
            {
                model.Conflict(ToView(conflict), publish);
                _lastConflict = conflict.Id;
            }

            if (conflicts.Count < 500)
            {
                break;
            }
        }

        await FollowShownConflictsAsync(silo, publish, cancellationToken);
    }

    /// <summary>
    /// The conflicts the console shows, as the store holds them now: acknowledged through the
    /// integrator API, or deleted because a late upload explained them (an exit between the two
    /// admissions). Without this they stayed unacknowledged on every console, and acknowledging one
    /// that was deleted failed with 404 for good.
    /// </summary>
    private async Task FollowShownConflictsAsync(CentralSilo silo, bool publish, CancellationToken cancellationToken)
    {
        var shown = model.ConflictIds();
        if (shown.Count == 0)
        {
            return;
        }

        var stored = new Dictionary<long, Conflict>();
        for (var after = shown[0] - 1; after < shown[^1];)
        {
            var page = await silo.Store.ListConflictsAsync(after, 500, cancellationToken);
            foreach (var conflict in page)
            {
                stored[conflict.Id] = conflict;
            }

            if (page.Count < 500)
            {
                break;
            }

            after = page[^1].Id;
        }

        foreach (var id in shown)
        {
            if (stored.TryGetValue(id, out var conflict))
            {
                model.Conflict(ToView(conflict), publish); // publishes only what changed
            }
            else if (id <= _lastConflict)
            {
                model.RemoveConflict(id);
            }
        }
    }

    internal static ConflictView ToView(Conflict c) => new(c.Id, c.AttendeeId, ToView(c.First), ToView(c.Second), c.DetectedAt, c.AcknowledgedAt, c.AcknowledgedBy);

    private static PassageView ToView(PassageRef p) => new(p.EdgeId, p.GateId, p.At, p.Sequence);

    private static ScanFact Fact(StoredCheckIn row) =>
        new(row.Entry.GateId, row.EdgeId, row.Entry.Direction, row.Entry.Reason, row.Entry.AttendeeId, row.Entry.At, row.Entry.Sequence);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        _telemetry?.Dispose();
        await _running;
        model.Feed.DisconnectAll();
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return ValueTask.CompletedTask;
    }
}
