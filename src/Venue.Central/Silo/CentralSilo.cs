using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Venue.Central.Sync;
using Venue.Central.Webhooks;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Domain.Ledger;
using Venue.Domain.Reconciliation;
using Venue.Domain.Sync;
using Venue.Domain.Tickets;
using Venue.Runtime;
using Venue.Runtime.Storage;
using Venue.Runtime.Streams;

namespace Venue.Central.Silo;

/// <summary>
/// The central silo: the store, the event, the grains that reconcile every edge's journal, and the
/// operations the sync API and the integrator API call. On start it rebuilds every attendee's
/// history from the stored check-ins, so a crash between storing an upload and reconciling it
/// loses nothing.
/// </summary>
public sealed class CentralSilo : IAsyncDisposable
{
    /// <summary>Attendees per page of ledger changes.</summary>
    public const int ChangesPageSize = 5_000;

    /// <summary>Passages per page of the feed to edges.</summary>
    public const int PassagesPageSize = 5_000;

    private readonly GrainRuntime _runtime;
    private readonly ILogger _logger;

    private CentralSilo(CentralOptions options, CentralEvent @event, ICentralStore store, GrainRuntime runtime, Reconciler reconciler,
        ChangeFeed feed, WebhookOutbox outbox, TimeProvider time, ILogger logger)
    {
        Options = options;
        Event = @event;
        Store = store;
        _runtime = runtime;
        Reconciler = reconciler;
        Feed = feed;
        Outbox = outbox;
        Time = time;
        _logger = logger;
    }

    public CentralOptions Options { get; }

    public CentralEvent Event { get; }

    public ICentralStore Store { get; }

    public Reconciler Reconciler { get; }

    public ChangeFeed Feed { get; }

    public WebhookOutbox Outbox { get; }

    public TimeProvider Time { get; }

    public IGrainFactory Grains => _runtime;

    /// <summary>The runtime's streams (zone occupancy, alerts, leaderboards ...), for consoles and other observers.</summary>
    public IStreamProvider Streams => _runtime.Streams;

    /// <summary>What the start did: passages replayed into attendee histories and how long it took.</summary>
    public CentralStartup Startup { get; private set; } = new(0, TimeSpan.Zero);

    /// <summary>Starts on an open, migrated store; the silo owns it from here and disposes it.</summary>
    public static async Task<CentralSilo> StartAsync(CentralOptions options, ICentralStore store, TimeProvider time, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        logger ??= NullLogger.Instance;
        var started = Stopwatch.StartNew();
        var @event = CentralEvent.Load(options);
        await store.EnsureEventAsync(@event.EventId, @event.Name, time.GetUtcNow(), cancellationToken);

        var feed = new ChangeFeed(await store.GetLedgerVersionAsync(cancellationToken), await store.GetLastFeedIdAsync(cancellationToken));
        var outbox = new WebhookOutbox(store);
        var builder = new GrainRuntimeBuilder().UseTimeProvider(time).UseStorage(store.GrainStorage);
        var histories = new MemoryGrainStorage();
        Reconciler? reconciler = null;
        builder.AddGrain<IAttendeeHistoryGrain, AttendeeHistoryGrain>(() => new AttendeeHistoryGrain(store, Reconciler.ConflictEvent), histories);
        builder.AddGrain<IEdgeLinkGrain, EdgeLinkGrain>(() => new EdgeLinkGrain(store, reconciler!, feed, options.LateAfter));
        var runtime = builder.Build();
        var singleEntry = @event.TicketTypes.Where(t => !t.Reentry).Select(t => t.Name).ToHashSet(StringComparer.Ordinal);
        reconciler = new Reconciler(runtime, outbox, store, ticketType => ticketType is not null && singleEntry.Contains(ticketType));

        var silo = new CentralSilo(options, @event, store, runtime, reconciler, feed, outbox, time, logger);
        try
        {
            var replayed = await silo.RebuildAsync(cancellationToken);
            silo.Startup = new CentralStartup(replayed, started.Elapsed);
            logger.LogInformation("Central {SiloId} started on {Store}: {Passages} passages reconciled in {Elapsed} ms; {Inside} inside, ledger version {Version}.",
                options.SiloId, store.Kind, replayed, (long)started.Elapsed.TotalMilliseconds, reconciler.Inside, feed.LedgerVersion);
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Replays every stored passage into the attendee histories, page by page, then brings stored
    /// conflicts in line with the complete histories. Not page by page: an attendee's passages can
    /// span pages, and a partial history's conflicts would replace (delete) stored ones whose other
    /// passage is on a later page, then raise them again under new ids.
    /// </summary>
    private async Task<long> RebuildAsync(CancellationToken cancellationToken)
    {
        long count = 0;
        var pending = new HashSet<string>(StringComparer.Ordinal);
        var page = new List<StoredCheckIn>(Options.RebuildPageSize);
        await foreach (var checkIn in Store.StreamCheckInsAsync(0, passagesOnly: true, cancellationToken))
        {
            page.Add(checkIn);
            if (page.Count == Options.RebuildPageSize)
            {
                count += await ReplayAsync(page, pending, cancellationToken);
            }
        }

        count += await ReplayAsync(page, pending, cancellationToken);

        // Conflicts that stand were stored before and keep their ids; any the store lacks (a crash
        // before they were written) are stored and published now.
        await Reconciler.StorePendingConflictsAsync(pending, cancellationToken);

        // A conflict stored before a crash may since have been explained by a late exit; ask each such attendee again.
        long after = 0;
        while (true)
        {
            var stored = await Store.ListConflictsAsync(after, 1_000, cancellationToken);
            if (stored.Count == 0)
            {
                break;
            }

            foreach (var attendee in stored.Select(c => c.AttendeeId).Distinct(StringComparer.Ordinal))
            {
                await _runtime.GetGrain<IAttendeeHistoryGrain>(attendee).StoreConflictsAsync();
            }

            after = stored[^1].Id;
        }

        return count;
    }

    private async Task<long> ReplayAsync(List<StoredCheckIn> page, HashSet<string> pendingConflicts, CancellationToken cancellationToken)
    {
        var count = page.Count;
        await Reconciler.ApplyAsync(page, cancellationToken, pendingConflicts);
        page.Clear();
        return count;
    }

    /// <summary>Stores an upload from an edge and reconciles what was new.</summary>
    public async Task<EdgeLinkReceipt> IngestAsync(string edgeId, IReadOnlyList<JournalEntry> entries) =>
        await _runtime.GetGrain<IEdgeLinkGrain>(edgeId).IngestAsync(entries);

    public async Task<long> GetJournalPositionAsync(string edgeId, CancellationToken cancellationToken = default) =>
        await Store.GetContiguousSequenceAsync(edgeId, cancellationToken);

    /// <summary>Called after attendees are written: wakes edges waiting for ledger changes.</summary>
    public void LedgerChanged(long version) => Feed.LedgerChanged(version);

    /// <summary>
    /// Ledger changes after a version and other edges' passages after a feed cursor; waits up to
    /// <paramref name="wait"/> when there is nothing new (long poll).
    /// </summary>
    /// <param name="ledgerAt">The mark central sent with <paramref name="ledgerAfter"/> (<see cref="SyncHeaders.LedgerAt"/>), if the edge has it.</param>
    /// <param name="passagesAt">The mark central sent with <paramref name="passagesAfter"/> (<see cref="SyncHeaders.PassagesAt"/>), if the edge has it.</param>
    public async Task<ChangesPage> ReadChangesAsync(string edgeId, long ledgerAfter, long passagesAfter, TimeSpan wait, CancellationToken cancellationToken,
        string? ledgerAt = null, string? passagesAt = null)
    {
        // The marks here of the positions asked from, looked up only when the edge shows one to compare.
        var ledgerMark = ledgerAt is null ? null : await LedgerMarkAsync(ledgerAfter, cancellationToken);
        var passagesMark = passagesAt is null ? null : await PassagesMarkAsync(passagesAfter, cancellationToken);
        // A position nothing holds any more (a superseded version) cannot be judged and passes; one
        // ahead of central is handled below.
        if ((ledgerMark is not null && ledgerMark != ledgerAt) || (passagesMark is not null && passagesMark != passagesAt))
        {
            // The numbers the edge follows from name other changes here than when central handed them
            // out: central was restored from an older backup and has handed them out again since, so
            // changes below them are new to the edge. Positions 0, at once: the edge takes that as
            // central having gone back and asks for everything again.
            _logger.LogWarning("Edge {EdgeId} follows from ledger version {Version} and passage cursor {Cursor}, which name other changes here now (central restored from a backup?); told to start over.",
                edgeId, ledgerAfter, passagesAfter);
            return new ChangesPage(new LedgerChangesWire(0, [], [], 0, [], More: false), null, null);
        }

        // An edge ahead of central (central restored from an older backup) is answered at once, with
        // central's own positions for it to follow (below), instead of waiting for central to catch up.
        var edgeAhead = ledgerAfter > Feed.LedgerVersion || passagesAfter > Feed.FeedId;
        if (wait > TimeSpan.Zero && !edgeAhead)
        {
            await Feed.WaitAsync(ledgerAfter, passagesAfter, wait, Time, cancellationToken);
        }

        // Read the feed's position before the page: every id up to it is committed, so the cursor may move there.
        var feedBefore = Feed.FeedId;
        var ledger = await Store.ReadLedgerChangesAsync(ledgerAfter, ChangesPageSize, cancellationToken);
        var rows = await Store.ReadCheckInsAsync(passagesAfter, PassagesPageSize, passagesOnly: true, cancellationToken);
        var morePassages = rows.Count == PassagesPageSize;
        var cursor = morePassages ? rows[^1].FeedId : Math.Max(passagesAfter, Math.Max(feedBefore, rows.Count > 0 ? rows[^1].FeedId : 0));
        if (!morePassages && rows.Count == 0 && feedBefore < passagesAfter && await Store.GetLastFeedIdAsync(cancellationToken) < passagesAfter)
        {
            // Not a commit the in-memory feed has yet to hear of: the store has no such id. The edge's
            // cursor is from before a restore; it follows central's, or it would skip every passage
            // central stores up to its old cursor.
            cursor = feedBefore;
        }

        var passages = rows
            .Where(r => r.EdgeId != edgeId && r.Entry.AttendeeId is not null)
            .Select(r => new PassageWire(r.Entry.AttendeeId!, r.EdgeId, r.Entry.Sequence, r.Entry.GateId, r.Entry.Reason.Code(), r.Entry.Hlc, r.Entry.At))
            .ToList();
        // The version is the store's, read with the page, so never behind one central handed out unless
        // central went back in time; then the edge follows it (it logs that it does) rather than
        // waiting above versions that central will now hand out again for other changes.
        var page = new LedgerChangesWire(
            ledger.Version,
            [.. ledger.Attendees.Select(ToLedgerLine)],
            [.. ledger.RevokedTokens.Select(TokenHash.Format)],
            cursor,
            passages,
            ledger.More || morePassages);
        // A position that did not move keeps its mark (a change superseded since would have moved it).
        return new ChangesPage(page,
            page.LedgerVersion == ledgerAfter && ledgerAt is not null ? ledgerMark : await LedgerMarkAsync(page.LedgerVersion, cancellationToken),
            page.PassagesCursor == passagesAfter && passagesAt is not null ? passagesMark : await PassagesMarkAsync(page.PassagesCursor, cancellationToken));
    }

    private async Task<string?> LedgerMarkAsync(long version, CancellationToken cancellationToken) =>
        version > 0 && await Store.GetLedgerMarkAsync(version, cancellationToken) is { } change ? Mark(change) : null;

    private async Task<string?> PassagesMarkAsync(long feedId, CancellationToken cancellationToken) =>
        feedId > 0 && await Store.GetCheckInByFeedIdAsync(feedId, cancellationToken) is { } entry
            ? Mark(string.Create(CultureInfo.InvariantCulture, $"{entry.EdgeId}\n{entry.Entry.Sequence}"))
            : null;

    /// <summary>A short header-safe digest: edges only compare marks, and ids may hold any character.</summary>
    private static string Mark(string what) =>
        Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(what)).AsSpan(0, 12)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Writes the whole ledger as a venue-ledger/1 snapshot; returns its version and the passage cursor to follow from.</summary>
    public async Task<(long Version, long PassagesCursor)> WriteSnapshotAsync(Stream output, Func<long, long, Task> beforeBody, CancellationToken cancellationToken)
    {
        var passagesCursor = 0L;
        await using var view = await Store.OpenLedgerSnapshotAsync(cancellationToken);
        var revoked = new List<string>();
        await foreach (var hash in view.ReadRevokedTokensAsync(cancellationToken))
        {
            revoked.Add(TokenHash.Format(hash));
        }

        await beforeBody(view.Version, passagesCursor);
        var header = new LedgerHeader(LedgerSnapshot.Format, Event.EventId, Event.Name, view.Version, Time.GetUtcNow(), Event.PublicKeys,
            [.. Event.TicketTypes.Select(t => new LedgerTicketType(t.Name, t.Reentry, t.Gates))], revoked);
        await LedgerSnapshot.WriteAsync(output, header, view.ReadAttendeesAsync(cancellationToken).Select(ToLedgerLine), cancellationToken);
        return (view.Version, passagesCursor);
    }

    /// <summary>
    /// Records what an edge reports about itself in the silo table, and keeps its floor (zones and
    /// booths) as the latest view of that edge's area, publishing each zone that changed on central's
    /// occupancy stream (zone id <c>{edge}:{zone}</c>) for the ops console.
    /// </summary>
    public async Task ReportStatusAsync(EdgeStatusWire status, CancellationToken cancellationToken)
    {
        await Store.UpsertSiloAsync(new SiloRecord(status.EdgeId, "edge", status.Status, status.JournalSequence, status.UploadedSequence,
            status.LedgerVersion, Math.Max(0, status.JournalSequence - status.UploadedSequence), status.JournalLagMs, status.SyncLagMs,
            Time.GetUtcNow()), cancellationToken);
        if (status.Floor is not { } floor)
        {
            return;
        }

        var before = _floors.TryGetValue(status.EdgeId, out var previous) ? previous.Zones.ToDictionary(z => z.Zone, StringComparer.Ordinal) : [];
        if (previous is not null && previous.At > floor.At)
        {
            return; // a late report must not roll the view back
        }

        _floors[status.EdgeId] = floor;
        foreach (var zone in floor.Zones)
        {
            if (before.TryGetValue(zone.Zone, out var was) && was == zone)
            {
                continue;
            }

            var id = $"{status.EdgeId}:{zone.Zone}";
            var level = Enum.TryParse<Domain.Telemetry.ZoneLevel>(zone.Level, out var parsed) ? parsed : Domain.Telemetry.ZoneLevel.Normal;
            await Streams.GetStream<Domain.Telemetry.ZoneOccupancyChanged>(new StreamId(Domain.Telemetry.TelemetryStreams.ZoneOccupancy, id))
                .OnNextAsync(new Domain.Telemetry.ZoneOccupancyChanged(id, zone.Occupancy, zone.Capacity, level, Time.GetUtcNow(), floor.At));
        }
    }

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, FloorWire> _floors = new(StringComparer.Ordinal);

    /// <summary>Each edge's floor as it last reported it (kept in memory: edges report every few seconds).</summary>
    public IReadOnlyDictionary<string, FloorWire> Floors => _floors;

    /// <summary>An edge that has not reported for this long is shown offline.</summary>
    public static readonly TimeSpan OfflineAfter = TimeSpan.FromSeconds(30);

    /// <summary>Writes central's own row of the silo table (called at start and then periodically).</summary>
    public Task HeartbeatAsync(CancellationToken cancellationToken = default) =>
        Store.UpsertSiloAsync(new SiloRecord(Options.SiloId, "central", "online", Feed.FeedId, Feed.FeedId, Feed.LedgerVersion, 0, 0, 0,
            Time.GetUtcNow()), cancellationToken);

    /// <summary>The silo table as ops see it: a silo silent for longer than <see cref="OfflineAfter"/> is offline, whatever it last said.</summary>
    public async Task<IReadOnlyList<SiloRecord>> ListSilosAsync(CancellationToken cancellationToken = default)
    {
        var now = Time.GetUtcNow();
        return [.. (await Store.ListSilosAsync(cancellationToken))
            .Select(s => now - s.LastSeenAt > OfflineAfter ? s with { Status = "offline" } : s)];
    }

    /// <summary>
    /// <see cref="GetStatsAsync"/> at most <see cref="StatsMaxAge"/> old, read once for every caller in
    /// that time: the totals group every check-in stored, and a dashboard polling <c>/v1/stats</c> at
    /// its rate limit should not keep a core of PostgreSQL scanning.
    /// </summary>
    public async Task<EventStats> GetRecentStatsAsync(CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _recentStats) is { } recent && Time.GetUtcNow() - recent.At < StatsMaxAge)
        {
            return recent;
        }

        await _readingStats.WaitAsync(cancellationToken);
        try
        {
            if (_recentStats is { } fresh && Time.GetUtcNow() - fresh.At < StatsMaxAge)
            {
                return fresh;
            }

            var stats = await GetStatsAsync(cancellationToken);
            Volatile.Write(ref _recentStats, stats);
            return stats;
        }
        finally
        {
            _readingStats.Release();
        }
    }

    public static readonly TimeSpan StatsMaxAge = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _readingStats = new(1, 1);
    private EventStats? _recentStats;

    /// <summary>The event at a glance, read now.</summary>
    public async Task<EventStats> GetStatsAsync(CancellationToken cancellationToken = default) => new(
        Event.EventId,
        await Store.CountAttendeesAsync(cancellationToken),
        Feed.LedgerVersion,
        Feed.FeedId,
        Reconciler.Inside,
        Reconciler.Admitted,
        await Store.CountConflictsAsync(cancellationToken),
        await Store.GetTotalsAsync(cancellationToken),
        await ListSilosAsync(cancellationToken),
        Time.GetUtcNow());

    internal static LedgerAttendee ToLedgerLine(RegisteredAttendee a) => new(
        a.Id, a.Name, a.TicketType, a.ValidFrom, a.ValidUntil,
        a.Status == AttendeeStatus.Revoked ? "revoked" : "active", TokenHash.Format(a.TokenHash), a.Gates);

    public async ValueTask DisposeAsync()
    {
        await _runtime.StopAsync();
        await Store.DisposeAsync();
        Event.Dispose();
    }
}

/// <summary>What a start did.</summary>
public sealed record CentralStartup(long PassagesReplayed, TimeSpan Elapsed);
