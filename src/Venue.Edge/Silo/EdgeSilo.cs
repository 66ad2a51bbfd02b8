using System.Diagnostics;
using Venue.Domain.Attendees;
using Venue.Domain.CheckIn;
using Venue.Domain.Gates;
using Venue.Domain.Journal;
using Venue.Domain.Ledger;
using Venue.Runtime;
using Venue.Runtime.Storage;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Silo;

/// <summary>
/// One edge silo: the ledger, the durable journal, and the grain runtime hosting gate and attendee
/// grains. On start it replays the journal, so attendees inside stay inside and scanners retrying a
/// nonce get their first answer. This is the in-process API; the scanner HTTP API sits on top.
/// </summary>
public sealed class EdgeSilo : IAsyncDisposable
{
    private readonly GrainRuntime _runtime;
    private readonly CheckInService _checkIn;

    private EdgeSilo(string edgeId, AttendeeLedger ledger, GateCatalog gates, SqliteCheckInJournal journal, GrainRuntime runtime, EdgeStartup startup)
    {
        EdgeId = edgeId;
        Ledger = ledger;
        Gates = gates;
        Journal = journal;
        _runtime = runtime;
        _checkIn = new CheckInService(runtime, gates, ledger, runtime.Time);
        Startup = startup;
    }

    public string EdgeId { get; }

    public AttendeeLedger Ledger { get; }

    public GateCatalog Gates { get; }

    public SqliteCheckInJournal Journal { get; }

    public IGrainFactory Grains => _runtime;

    public EdgeStartup Startup { get; }

    public static async Task<EdgeSilo> StartAsync(EdgeSiloOptions options, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var started = Stopwatch.StartNew();
        var ledger = await LedgerSnapshot.ReadFileAsync(options.LedgerPath, cancellationToken);
        var ledgerElapsed = started.Elapsed;
        return Start(options, ledger, time, started, ledgerElapsed);
    }

    /// <summary>Starts on a ledger already in memory (the simulator and benchmarks build one).</summary>
    public static EdgeSilo Start(EdgeSiloOptions options, AttendeeLedger ledger, TimeProvider time) =>
        Start(options, ledger, time, Stopwatch.StartNew(), TimeSpan.Zero);

    private static EdgeSilo Start(EdgeSiloOptions options, AttendeeLedger ledger, TimeProvider time, Stopwatch started, TimeSpan ledgerElapsed)
    {
        var gates = new GateCatalog(options.Gates);
        Directory.CreateDirectory(options.DataDirectory);
        var journal = SqliteCheckInJournal.Open(options.JournalPath, time);
        var state = new MemoryGrainStorage();
        long replayed;
        try
        {
            replayed = Replay(journal, ledger, state);
        }
        catch
        {
            journal.Dispose();
            throw;
        }

        var builder = new GrainRuntimeBuilder().UseTimeProvider(time).UseStorage(state);
        builder.Options.CollectionAge = options.GrainCollectionAge;
        builder.AddGrain<IGateGrain, GateGrain>(() => new GateGrain(gates, journal));
        builder.AddGrain<IAttendeeGrain, AttendeeGrain>(() => new AttendeeGrain(journal));
        var runtime = builder.Build();
        var startup = new EdgeStartup(ledger.Count, replayed, ledgerElapsed, started.Elapsed);
        return new EdgeSilo(options.EdgeId, ledger, gates, journal, runtime, startup);
    }

    /// <summary>Rebuilds gate counters, recent nonces and who is inside from the journal.</summary>
    private static long Replay(SqliteCheckInJournal journal, AttendeeLedger ledger, MemoryGrainStorage state)
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
                var summary = ledger.TryGet(attendeeId, out var record)
                    ? new AttendeeSummary(record.Id, record.Name, record.TicketType.Name)
                    : new AttendeeSummary(attendeeId, "", entry.TicketType ?? "");
                if (!attendees.TryGetValue(attendeeId, out var attendee))
                {
                    attendees[attendeeId] = attendee = new AttendeeState();
                }

                var result = new ScanResult(entry.Passed, entry.Reason, summary, entry.GateId, entry.At, entry.Nonce, entry.Sequence);
                AttendeeGrain.Apply(attendee, entry);
                attendee.Remember(result);
                gate.Count(result);
            }
            else
            {
                var result = new ScanResult(false, entry.Reason, null, entry.GateId, entry.At, entry.Nonce, entry.Sequence);
                gate.Remember(result);
                gate.Count(result);
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
    public Task<ScanResult> ScanAsync(string gateId, ScanRequest request) => _checkIn.ScanAsync(gateId, request);

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
        await _runtime.StopAsync();
        Journal.Dispose();
    }
}

/// <summary>What a start did: attendees loaded, journal entries replayed, and how long it took.</summary>
public sealed record EdgeStartup(int Attendees, long JournalEntriesReplayed, TimeSpan LedgerLoad, TimeSpan Total);
