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
internal sealed class VenueEvent
{
    public const string EventId = "load-harness";
    private const string KeyId = "harness-key";
    private static readonly SemaphoreSlim Building = new(1, 1);
    private static VenueEvent? _current;

    private VenueEvent(HarnessLedger source, AttendeeLedger ledger, string[] tokens, IReadOnlyList<GateDefinition> gates, string snapshotPath)
    {
        Source = source;
        Ledger = ledger;
        Tokens = tokens;
        Gates = gates;
        SnapshotPath = snapshotPath;
    }

    public HarnessLedger Source { get; }

    public AttendeeLedger Ledger { get; }

    /// <summary>Attendee i's badge token.</summary>
    public string[] Tokens { get; }

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

        // ECDsa instances are not safe to share across threads: one signer per worker.
        var pem = key.ExportPrivatePem();
        var tokens = new string[source.Count];
        Parallel.For(0, source.Count, new ParallelOptions { CancellationToken = cancellationToken },
            () => TicketSigningKey.FromPrivatePem(KeyId, pem),
            (i, _, signer) =>
            {
                tokens[i] = signer.Issue(new BadgeClaims(KeyId, EventId, source[i], ticketType.Name, 0, 0));
                return signer;
            },
            signer => signer.Dispose());

        var ledger = new AttendeeLedger(EventId, [ticketType], keys, source.Count);
        for (var i = 0; i < source.Count; i++)
        {
            ledger.Upsert(new AttendeeRecord(source[i], $"Attendee {i}", ticketType, 0, 0, AttendeeStatus.Active, TokenHash.Of(tokens[i]), null));
        }

        var gates = Enumerable.Range(0, gateCount).Select(g => new GateDefinition($"G{g:D3}", $"Gate {g}")).ToList();
        var snapshotPath = Path.Combine(Path.GetTempPath(), $"venue-load-ledger-{Environment.ProcessId}.jsonl");
        var header = new LedgerHeader(LedgerSnapshot.Format, EventId, "Load harness event", 1, DateTimeOffset.UtcNow,
            [new LedgerKey(KeyId, Convert.ToBase64String(key.ExportPublicKey()))],
            [new LedgerTicketType(ticketType.Name, ticketType.Reentry, ticketType.Gates)],
            []);
        await using (var file = File.Create(snapshotPath))
        {
            var lines = Enumerable.Range(0, source.Count).Select(i =>
            {
                ledger.TryGet(source[i], out var record);
                return LedgerSnapshot.ToLine(record);
            });
            await LedgerSnapshot.WriteAsync(file, header, lines, cancellationToken);
        }

        Hosting.ExitCleanup.Register(() => File.Delete(snapshotPath));
        return new VenueEvent(source, ledger, tokens, gates, snapshotPath);
    }
}
