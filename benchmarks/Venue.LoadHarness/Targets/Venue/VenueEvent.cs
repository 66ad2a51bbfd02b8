using Venue.Domain.Gates;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using HarnessLedger = Venue.LoadHarness.Load.Ledger;

namespace Venue.LoadHarness.Targets.Venue;

/// <summary>
/// The harness ledger as a Venue event: every attendee active, one ticket type valid at every gate,
/// a real ECDSA P-256 signed badge per attendee, and the snapshot file an edge loads at start.
/// Built once per run and shared by the Venue targets (signing is the slow part).
/// </summary>
/// <remarks>
/// The event also holds <see cref="WarmupAttendees"/> attendees that the workload never presents
/// (<c>W0000000</c>...): an edge process started for a phase warms up on them, so that its JIT is
/// as settled as a long-running server's without anyone of the workload being inside.
/// </remarks>
internal sealed class VenueEvent
{
    public const string EventId = "load-harness";
    public const int WarmupAttendees = 4_096;
    private const string KeyId = "harness-key";
    private static readonly SemaphoreSlim Building = new(1, 1);
    private static VenueEvent? _current;

    private VenueEvent(HarnessLedger source, AttendeeLedger ledger, string[] tokens, string[] warmupTokens, IReadOnlyList<GateDefinition> gates,
        string snapshotPath)
    {
        Source = source;
        Ledger = ledger;
        Tokens = tokens;
        WarmupTokens = warmupTokens;
        Gates = gates;
        SnapshotPath = snapshotPath;
    }

    public HarnessLedger Source { get; }

    public AttendeeLedger Ledger { get; }

    /// <summary>Attendee i's badge token.</summary>
    public string[] Tokens { get; }

    /// <summary>Badges of the warm-up attendees, who are in the ledger but never in the workload.</summary>
    public string[] WarmupTokens { get; }

    /// <summary>Gate i of the workload.</summary>
    public IReadOnlyList<GateDefinition> Gates { get; }

    /// <summary>The ledger snapshot file (format venue-ledger/1).</summary>
    public string SnapshotPath { get; }

    public static async Task<VenueEvent> ForAsync(HarnessLedger source, int gateCount, CancellationToken cancellationToken)
    {
        await Building.WaitAsync(cancellationToken);
        try
        {
            if (_current is { } built && ReferenceEquals(built.Source, source) && built.Gates.Count == gateCount && File.Exists(built.SnapshotPath))
            {
                return built;
            }

            return _current = await BuildAsync(source, gateCount, cancellationToken);
        }
        finally
        {
            Building.Release();
        }
    }

    private static async Task<VenueEvent> BuildAsync(HarnessLedger source, int gateCount, CancellationToken cancellationToken)
    {
        using var key = TicketSigningKey.Create(KeyId);
        var ticketType = new TicketType("general", Reentry: false, Gates: null);
        var keys = new TicketKeyRing();
        keys.Add(KeyId, key.ExportPublicKey());

        // Workload attendees first, then the warm-up attendees.
        var ids = Enumerable.Range(0, source.Count).Select(i => source[i])
            .Concat(Enumerable.Range(0, WarmupAttendees).Select(i => $"W{i:D7}")).ToArray();

        // ECDsa instances are not safe to share across threads: one signer per worker.
        var pem = key.ExportPrivatePem();
        var allTokens = new string[ids.Length];
        Parallel.For(0, ids.Length, new ParallelOptions { CancellationToken = cancellationToken },
            () => TicketSigningKey.FromPrivatePem(KeyId, pem),
            (i, _, signer) =>
            {
                allTokens[i] = signer.Issue(new BadgeClaims(KeyId, EventId, ids[i], ticketType.Name, 0, 0));
                return signer;
            },
            signer => signer.Dispose());

        var ledger = new AttendeeLedger(EventId, [ticketType], keys, ids.Length);
        for (var i = 0; i < ids.Length; i++)
        {
            ledger.Upsert(new AttendeeRecord(ids[i], $"Attendee {i}", ticketType, 0, 0, AttendeeStatus.Active, TokenHash.Of(allTokens[i]), null));
        }

        var gates = Enumerable.Range(0, gateCount).Select(g => new GateDefinition($"G{g:D3}", $"Gate {g}")).ToList();
        var snapshotPath = Path.Combine(Path.GetTempPath(), $"venue-load-ledger-{Environment.ProcessId}.jsonl");
        var header = new LedgerHeader(LedgerSnapshot.Format, EventId, "Load harness event", 1, DateTimeOffset.UtcNow,
            [new LedgerKey(KeyId, Convert.ToBase64String(key.ExportPublicKey()))],
            [new LedgerTicketType(ticketType.Name, ticketType.Reentry, ticketType.Gates)],
            []);
        await using (var file = File.Create(snapshotPath))
        {
            var lines = ids.Select(id =>
            {
                ledger.TryGet(id, out var record);
                return LedgerSnapshot.ToLine(record);
            });
            await LedgerSnapshot.WriteAsync(file, header, lines, cancellationToken);
        }

        Hosting.ExitCleanup.Register(() => File.Delete(snapshotPath));
        return new VenueEvent(source, ledger, allTokens[..source.Count], allTokens[source.Count..], gates, snapshotPath);
    }
}
