using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Venue.Domain.Attendees;
using Venue.Domain.CheckIn;
using Venue.Domain.Gates;
using Venue.Domain.Journal;
using Venue.Domain.Layout;
using Venue.Domain.Ledger;
using Venue.Domain.Leaderboards;
using Venue.Domain.Booths;
using Venue.Domain.Portals;
using Venue.Domain.Zones;
using Venue.Edge.Sync;
using Venue.Edge.Telemetry;
using Venue.Runtime;
using Venue.Runtime.Storage;
using Venue.Runtime.Streams;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Silo;

/// <summary>
/// One edge silo: the ledger, the durable journal, and the grain runtime hosting gate and attendee
/// grains. On start it replays the journal, so attendees inside stay inside and scanners retrying a
/// nonce get their first answer. This is the in-process API; the scanner HTTP API sits on top.
/// With a central, <see cref="StartSync"/> runs the uplink (docs/sync-protocol.md).
/// </summary>
public sealed class EdgeSilo : IAsyncDisposable
{
    private readonly GrainRuntime _runtime;
    private readonly CheckInService _checkIn;
    private readonly ILoggerFactory _loggers;
    private readonly object _syncGate = new();
    private readonly EdgeDirectoryLock _directoryLock;
    private EdgeSyncStore? _syncStore;
    private CentralSync? _sync;

    private EdgeSilo(EdgeSiloOptions options, AttendeeLedger ledger, GateCatalog gates, SqliteCheckInJournal journal, GrainRuntime runtime,
        EdgeStartup startup, EdgeSyncStore? syncStore, ILoggerFactory loggers, EdgeTelemetry? telemetry, EdgeDirectoryLock directoryLock)
    {
        _directoryLock = directoryLock;
        Telemetry = telemetry;
        EdgeId = options.EdgeId;
        DataDirectory = options.DataDirectory;
        Ledger = ledger;
        Gates = gates;
        Journal = journal;
        _runtime = runtime;
        _checkIn = new CheckInService(runtime, gates, ledger, journal, runtime.Time);
        Startup = startup;
        _syncStore = syncStore;
        _loggers = loggers;
    }

    public string EdgeId { get; }

    internal string DataDirectory { get; }

    public AttendeeLedger Ledger { get; }

    public GateCatalog Gates { get; }

    public SqliteCheckInJournal Journal { get; }

    public IGrainFactory Grains => _runtime;

    /// <summary>The runtime's streams (zone occupancy, alerts, leaderboards ...), for consoles and other observers.</summary>
    public IStreamProvider Streams => _runtime.Streams;

    /// <summary>Crowd telemetry (reads, zones, booths, leaderboards); null for an edge without a venue layout.</summary>
    public EdgeTelemetry? Telemetry { get; }

    public EdgeStartup Startup { get; }

    /// <summary>The running uplink to central; null for a standalone edge (or before <see cref="StartSync"/>).</summary>
    public CentralSync? Sync
    {
        get { lock (_syncGate) { return _sync; } }
    }

    /// <summary>How the uplink stands, as /healthz shows it; null when the edge does not sync.</summary>
    public SyncStatus? SyncStatus => Sync?.GetStatus();

    public static Task<EdgeSilo> StartAsync(EdgeSiloOptions options, TimeProvider time, CancellationToken cancellationToken = default) =>
        StartAsync(options, time, loggers: null, centralHandler: null, cancellationToken);

    /// <summary>
    /// Starts on the edge's own stored snapshot plus the changes stored since, else on
    /// <see cref="EdgeSiloOptions.LedgerPath"/>, else (with a central) on a snapshot downloaded first,
    /// retried until it comes. An edge with a stored snapshot starts without any link.
    /// <paramref name="centralHandler"/> carries that download, as in <see cref="StartSync"/>.
    /// </summary>
    public static Task<EdgeSilo> StartAsync(EdgeSiloOptions options, TimeProvider time, ILoggerFactory? loggers,
        HttpMessageHandler? centralHandler, CancellationToken cancellationToken = default) =>
        StartAsync(options, time, loggers, centralHandler, directoryLock: null, cancellationToken);

    /// <summary>The same, on a data directory already claimed (<paramref name="directoryLock"/>, which the silo then owns); null claims it here.</summary>
    internal static async Task<EdgeSilo> StartAsync(EdgeSiloOptions options, TimeProvider time, ILoggerFactory? loggers,
        HttpMessageHandler? centralHandler, EdgeDirectoryLock? directoryLock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        loggers ??= NullLoggerFactory.Instance;
        var started = Stopwatch.StartNew();
        // Before anything in the directory is opened: a second edge on it is refused here.
        directoryLock ??= EdgeDirectoryLock.Acquire(options.DataDirectory);
        EdgeSyncStore? store = null;
        try
        {
            store = LedgerBootstrap.OpenStore(options);
            if (store?.PreviousEdgeId is { } previous)
            {
                loggers.CreateLogger<EdgeSilo>().LogWarning("This data directory was edge '{Previous}' and is now edge '{EdgeId}': its journal goes up to central under the new id, and it asks central for other edges' passages from the start, those of '{Previous}' included.",
                    previous, options.EdgeId, previous);
            }

            var (ledger, source) = await LedgerBootstrap.LoadAsync(options, store, time, loggers.CreateLogger<EdgeSilo>(), centralHandler, cancellationToken);
            var ledgerElapsed = started.Elapsed;
            return await StartAsync(options, ledger, source, store, time, loggers, started, ledgerElapsed, directoryLock);
        }
        catch
        {
            store?.Dispose();
            directoryLock.Dispose();
            throw;
        }
    }

    /// <summary>Starts on a ledger already in memory (the simulator and benchmarks build one).</summary>
    public static async Task<EdgeSilo> StartAsync(EdgeSiloOptions options, AttendeeLedger ledger, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        var directoryLock = EdgeDirectoryLock.Acquire(options.DataDirectory);
        EdgeSyncStore? store = null;
        try
        {
            store = LedgerBootstrap.OpenStore(options);
            return await StartAsync(options, ledger, "memory", store, time, NullLoggerFactory.Instance, Stopwatch.StartNew(), TimeSpan.Zero, directoryLock);
        }
        catch
        {
            store?.Dispose();
            directoryLock.Dispose();
            throw;
        }
    }

    private static async Task<EdgeSilo> StartAsync(EdgeSiloOptions options, AttendeeLedger ledger, string ledgerSource, EdgeSyncStore? store, TimeProvider time,
        ILoggerFactory loggers, Stopwatch started, TimeSpan ledgerElapsed, EdgeDirectoryLock directoryLock)
    {
        // Loaded first: a broken layout stops the start before any journal is opened.
        var layout = string.IsNullOrWhiteSpace(options.LayoutPath) ? null : VenueLayout.Load(options.LayoutPath);
        var gates = new GateCatalog(options.Gates);
        Directory.CreateDirectory(options.DataDirectory);
        var changes = store is null ? 0 : LedgerBootstrap.ApplyStoredChanges(store, ledger, loggers.CreateLogger<EdgeSilo>());
        IReadOnlyList<(RemotePassage Passage, RemoteOutcome Outcome)> remote = store?.ReadAppliedPassages() ?? [];
        var journal = SqliteCheckInJournal.Open(options.JournalPath, time, JournalLog.Options(loggers.CreateLogger<EdgeSilo>(), JournalLog.Scans, time), eventId: ledger.EventId);
        var state = new MemoryGrainStorage();
        long replayed;
        try
        {
            // Before any new entry: the journal's clock stays past every remote passage taken in so far.
            journal.ObserveHlc(store?.MaxPassageHlc() ?? 0);
            replayed = Replay(journal, ledger, state, remote);
        }
        catch
        {
            journal.Dispose();
            throw;
        }

        EdgeTelemetry? telemetry = null;
        var builder = new GrainRuntimeBuilder().UseTimeProvider(time).UseStorage(state);
        builder.Options.CollectionAge = options.GrainCollectionAge;
        // The only timers are the portals' (passes decided when a doorway goes quiet): their failures are
        // counted and logged with those of passes decided by a batch.
        builder.Options.TimerTickFailed = (_, failure) => telemetry?.NoteRouteFailures([failure]);
        builder.AddGrain<IGateGrain, GateGrain>(() => new GateGrain(gates));
        builder.AddGrain<IAttendeeGrain, AttendeeGrain>(() => new AttendeeGrain(journal));
        if (layout is not null)
        {
            // Telemetry grains keep their state in memory too: a start rebuilds it from the read journal.
            builder.AddGrain<IPortalGrain, PortalGrain>(() => new PortalGrain(layout));
            builder.AddGrain<IAttendeeLocationGrain, AttendeeLocationGrain>(() => new AttendeeLocationGrain(layout));
            builder.AddGrain<IZoneGrain, ZoneGrain>(() => new ZoneGrain(layout));
            builder.AddGrain<IBoothGrain, BoothGrain>(() => new BoothGrain(layout));
            builder.AddGrain<ILeaderboardGrain, LeaderboardGrain>(() => new LeaderboardGrain());
        }

        var runtime = builder.Build();
        TelemetryReplay? telemetryReplay = null;
        if (layout is not null)
        {
            try
            {
                telemetry = new EdgeTelemetry(layout, SqliteReadJournal.Open(options.TelemetryJournalPath, time, JournalLog.Options(loggers.CreateLogger<EdgeTelemetry>(), JournalLog.Reads, time)), runtime, loggers.CreateLogger<EdgeTelemetry>(),
                    options.Readers.MaxClockAhead, time, attendeeId => ledger.TryGet(attendeeId, out _), options.Readers.OrderGapTimeout);
                telemetryReplay = await telemetry.ReplayAsync(SqliteCheckInJournal.ReadAll(journal.Path),
                    gateId => gates.TryGet(gateId, out var gate) ? gate.Zone : null);
            }
            catch
            {
                telemetry?.Dispose();
                await runtime.StopAsync();
                journal.Dispose();
                throw;
            }
        }

        var startup = new EdgeStartup(ledger.Count, replayed, ledgerElapsed, started.Elapsed)
        {
            LedgerSource = ledgerSource,
            LedgerVersion = ledger.Version,
            LedgerChangesApplied = changes,
            RemotePassages = remote.Count,
            Telemetry = telemetryReplay,
        };
        return new EdgeSilo(options, ledger, gates, journal, runtime, startup, store, loggers, telemetry, directoryLock);
    }

    /// <summary>
    /// Starts the uplink to central: journal upload, ledger changes and status reports, until the
    /// returned object is disposed (or the silo is). <paramref name="handler"/> replaces the HTTP
    /// stack (a fault-injecting proxy's, a test server's) and stays the caller's to dispose.
    /// </summary>
    public CentralSync StartSync(CentralSyncOptions central, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(central);
        var problems = central.Problems();
        if (!central.IsEnabled || problems.Count > 0)
        {
            throw new ArgumentException(central.IsEnabled ? string.Join(" ", problems) : "Edge:Central:Url is not set.", nameof(central));
        }

        lock (_syncGate)
        {
            if (_sync is not null)
            {
                throw new InvalidOperationException($"Edge {EdgeId} is already syncing with {_sync.Client.BaseAddress}.");
            }

            _syncStore ??= EdgeSyncStore.Open(LedgerBootstrap.StorePath(DataDirectory), EdgeId);
            CentralSync? started = null;
            started = new CentralSync(this, _syncStore, central, handler, _loggers, _runtime.Time, () =>
            {
                lock (_syncGate)
                {
                    if (ReferenceEquals(_sync, started))
                    {
                        _sync = null;
                    }
                }
            });
            _sync = started;
            return started;
        }
    }

    /// <summary>
    /// Rebuilds gate counters, recent nonces and who is inside from the journal, then adds the
    /// passages made at other edges that had been applied before the restart.
    /// </summary>
    private static long Replay(SqliteCheckInJournal journal, AttendeeLedger ledger, MemoryGrainStorage state, IReadOnlyList<(RemotePassage Passage, RemoteOutcome Outcome)> remote)
    {
        var gates = new Dictionary<string, GateState>(StringComparer.Ordinal);
        var attendees = new Dictionary<string, AttendeeState>(StringComparer.Ordinal);
        long count = 0;
        foreach (var entry in journal.ReadAll())
        {
            count++;
            if (!gates.TryGetValue(entry.GateId, out var gate))
            {
                gates[entry.GateId] = gate = new GateState();
            }

            if (entry.AttendeeId is { } attendeeId)
            {
                // As the live answer had it: no attendee for a badge the ledger did not hold (the entry
                // then has no ticket type), so a retry after a restart hears the same answer.
                AttendeeSummary? summary = ledger.TryGet(attendeeId, out var record)
                    ? new AttendeeSummary(record.Id, record.Name, record.TicketType.Name)
                    : entry.TicketType is { } ticketType ? new AttendeeSummary(attendeeId, "", ticketType) : null;
                if (!attendees.TryGetValue(attendeeId, out var attendee))
                {
                    attendees[attendeeId] = attendee = new AttendeeState();
                }

                var result = new ScanResult(entry.Passed, entry.Reason, summary, entry.GateId, entry.At, entry.Nonce, entry.Sequence);
                AttendeeGrain.Apply(attendee, entry);
                attendee.Remember(entry.Direction, result);
                gate.Count(result);
            }
            else
            {
                var result = new ScanResult(false, entry.Reason, null, entry.GateId, entry.At, entry.Nonce, entry.Sequence);
                gate.Remember(entry.Direction, result);
                gate.Count(result);
            }
        }

        foreach (var (passage, outcome) in remote)
        {
            if (!attendees.TryGetValue(passage.AttendeeId, out var attendee))
            {
                attendees[passage.AttendeeId] = attendee = new AttendeeState();
            }

            if (outcome == RemoteOutcome.NotedAdmission)
            {
                AttendeeGrain.RestoreNotedAdmission(attendee, passage);
            }
            else
            {
                AttendeeGrain.RestoreRemote(attendee, passage);
            }
        }

        foreach (var (id, gate) in gates)
        {
            state.Seed(new GrainId("gate", id), gate);
        }

        foreach (var (id, attendee) in attendees)
        {
            state.Seed(new GrainId("attendee", id), attendee);
        }

        return count;
    }

    /// <summary>Scans a badge at a gate. Throws <see cref="UnknownGateException"/> for a gate this edge does not serve.</summary>
    public Task<ScanResult> ScanAsync(string gateId, ScanRequest request) =>
        Telemetry is null ? _checkIn.ScanAsync(gateId, request) : ScanAndMoveAsync(Telemetry, gateId, request);

    /// <summary>
    /// A scan at an edge with telemetry: an admission puts the attendee in the gate's zone, an exit takes
    /// them out, also one refused as not_inside (nobody is kept in: admitted at an edge this one had not
    /// heard from, they walked out all the same).
    /// </summary>
    private async Task<ScanResult> ScanAndMoveAsync(EdgeTelemetry telemetry, string gateId, ScanRequest request)
    {
        var (result, retry) = await _checkIn.ScanOrRetryAsync(gateId, request);
        // A retry's passage was handed on the first time (or, cut by a crash, by the telemetry replay at start).
        if (!retry && result.Reason.IsPresenceEvidence() && result.Attendee is { } attendee)
        {
            // Not awaited: the scanner's answer does not wait for zone bookkeeping.
            var zone = Gates.TryGet(gateId, out var gate) ? gate.Zone : null;
            _ = telemetry.GateAsync(gateId, zone, result.Reason == ScanReason.Admitted, attendee.Id, result.At);
        }

        return result;
    }

    public Task<GateStatus> GetGateStatusAsync(string gateId)
    {
        if (!Gates.TryGet(gateId, out _))
        {
            throw new UnknownGateException(gateId);
        }

        return _runtime.GetGrain<IGateGrain>(gateId).GetStatusAsync();
    }

    public Task<AttendeePresence> GetPresenceAsync(string attendeeId) =>
        _runtime.GetGrain<IAttendeeGrain>(attendeeId).GetPresenceAsync();

    public async ValueTask DisposeAsync()
    {
        if (Sync is { } sync)
        {
            await sync.DisposeAsync();
        }

        await _runtime.StopAsync();
        Telemetry?.Dispose();
        Journal.Dispose();
        _syncStore?.Dispose();
        // Last: the next edge on the directory may open everything the moment it is released.
        _directoryLock.Dispose();
    }
}

/// <summary>What a start did: attendees loaded, journal entries replayed, and how long it took.</summary>
public sealed record EdgeStartup(int Attendees, long JournalEntriesReplayed, TimeSpan LedgerLoad, TimeSpan Total)
{
    /// <summary>The snapshot started on: a file path, central's address (downloaded), or "memory".</summary>
    public string LedgerSource { get; init; } = "";

    public long LedgerVersion { get; init; }

    /// <summary>Ledger changes from central stored since that snapshot and applied on top of it.</summary>
    public int LedgerChangesApplied { get; init; }

    /// <summary>Passages made at other edges restored into attendee state.</summary>
    public int RemotePassages { get; init; }

    /// <summary>What the telemetry replay fed back (reads, facts, gate passages); null without a venue layout.</summary>
    public TelemetryReplay? Telemetry { get; init; }
}
