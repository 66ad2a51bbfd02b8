using Venue.Central.Silo;
using Venue.Domain.CheckIn;
using Venue.Domain.Central;
using Venue.Domain.Journal;
using Venue.Simulation;

namespace Venue.Central.Tests.Simulation;

/// <summary>
/// Made-up facts of a small finished run, consistent by construction: each scan is planned, answered,
/// journaled at its gate's edge and copied to central, and central's totals are folded from the
/// journals. Tests build a run that passes every check, then break one fact.
/// </summary>
internal sealed class VerdictFacts
{
    private static readonly DateTimeOffset Morning = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);
    private readonly List<PlannedScan> _plan = [];
    private readonly List<ScanOutcome> _outcomes = [];
    private readonly Dictionary<string, List<JournalEntry>> _journals;
    private int _nonce;
    private long _hlc;

    /// <param name="edges">Two edges: north (G01, G03, G05, G07) and south (G02, G04, G06, S08), north cut off from 7 s to 14 s.</param>
    public VerdictFacts(int edges = 2)
    {
        Layout = EdgeTopology.Split(EventGenerator.MakeGates(8), edges,
            edges > 1 ? new PartitionWindow("north", TimeSpan.FromSeconds(7), TimeSpan.FromSeconds(14), TimeSpan.FromSeconds(3)) : null);
        _journals = Layout.Edges.ToDictionary(e => e, _ => new List<JournalEntry>(), StringComparer.Ordinal);
    }

    public EdgeTopology Layout { get; }

    public List<Conflict> Conflicts { get; } = [];

    /// <summary>The journal entries of every edge; a test may change them before <see cref="Build"/>.</summary>
    public IReadOnlyDictionary<string, List<JournalEntry>> Journals => _journals;

    /// <summary>Central's copy, made from the journals at <see cref="Build"/> unless a test set its own.</summary>
    public List<StoredCheckIn>? CentralCopy { get; set; }

    /// <summary>One scan answered 200 with <paramref name="reason"/> and journaled at its edge.</summary>
    public PlannedScan Scan(ScanKind kind, string gate, string? attendee, ScanReason reason, double atSeconds, ScanReason? expected = null,
        ScanDirection direction = ScanDirection.Entry)
    {
        var scan = new PlannedScan(TimeSpan.FromSeconds(atSeconds), gate, $"token-{attendee}", direction, $"n{++_nonce}", kind, attendee, expected);
        Answer(scan, reason);
        var at = Morning + scan.At;
        _journals[Layout.EdgeOf(gate)].Add(new JournalEntry(gate, attendee, direction, reason, scan.Nonce, at, at)
        {
            Sequence = _journals[Layout.EdgeOf(gate)].Count + 1,
            Hlc = ++_hlc,
        });
        return scan;
    }

    /// <summary>The same scan sent again (same nonce), answered as <paramref name="reason"/>; the edge journals nothing new.</summary>
    public void Retry(PlannedScan first, ScanReason reason) => Answer(first with { Kind = ScanKind.Retry, At = first.At + TimeSpan.FromSeconds(0.5) }, reason);

    /// <summary>A broken request, answered <paramref name="status"/> and journaled nowhere.</summary>
    public void BadRequest(string gate, int status = 400)
    {
        var scan = new PlannedScan(TimeSpan.FromSeconds(1), gate, "", ScanDirection.Entry, $"n{++_nonce}", ScanKind.BadRequest, null, null);
        _plan.Add(scan);
        _outcomes.Add(new ScanOutcome(scan, status, null, null, 1, null, scan.At, status == 400 ? "bad request" : "failed"));
    }

    /// <summary>Central's conflict for <paramref name="attendee"/>'s first two admissions.</summary>
    public void Conflict(string attendee)
    {
        var admissions = _journals.SelectMany(kv => kv.Value.Where(e => e.AttendeeId == attendee && e.Reason == ScanReason.Admitted).Select(e => (Edge: kv.Key, Entry: e)))
            .OrderBy(x => x.Entry.Hlc).ToList();
        PassageRef Ref((string Edge, JournalEntry Entry) x) => new(x.Edge, x.Entry.Sequence, x.Entry.GateId, x.Entry.At, x.Entry.Hlc);
        Conflicts.Add(new Conflict(attendee, Ref(admissions[0]), Ref(admissions[1]), Morning.AddMinutes(1)) { Id = Conflicts.Count + 1 });
    }

    /// <summary>A run that passes every check, each exercised: arrivals, a simultaneous pair, a retry, an exit and re-entry, a badge at the other edge, a partition double, refusals, a broken request.</summary>
    public static VerdictFacts Passing()
    {
        var f = new VerdictFacts();
        f.Scan(ScanKind.Arrival, "G01", "A1", ScanReason.Admitted, 1);
        f.Scan(ScanKind.Arrival, "G02", "A2", ScanReason.Admitted, 1.5);
        // Two gates of north at the same instant: one admitted, one already inside.
        f.Scan(ScanKind.Simultaneous, "G01", "A3", ScanReason.Admitted, 2);
        f.Scan(ScanKind.Simultaneous, "G03", "A3", ScanReason.AlreadyInside, 2);
        var retried = f.Scan(ScanKind.Arrival, "G02", "A4", ScanReason.Admitted, 2.5);
        f.Retry(retried, ScanReason.Admitted);
        f.Scan(ScanKind.Arrival, "G04", "A5", ScanReason.Admitted, 3);
        f.Scan(ScanKind.Exit, "G04", "A5", ScanReason.Exited, 4, ScanReason.Exited, ScanDirection.Exit);
        f.Scan(ScanKind.Reentry, "G04", "A5", ScanReason.Admitted, 5, ScanReason.Admitted);
        // Shown at south a few seconds after north admitted it, links up: refused.
        f.Scan(ScanKind.OtherEdge, "G02", "A1", ScanReason.AlreadyInside, 4);
        // While north is cut off: admitted at both, and central raises one conflict.
        f.Scan(ScanKind.Arrival, "G03", "A6", ScanReason.Admitted, 9, ScanReason.Admitted);
        f.Scan(ScanKind.PartitionDouble, "G06", "A6", ScanReason.Admitted, 9.5, ScanReason.Admitted);
        f.Conflict("A6");
        f.Scan(ScanKind.Forged, "G05", null, ScanReason.InvalidSignature, 6, ScanReason.InvalidSignature);
        f.Scan(ScanKind.Revoked, "G06", "A7", ScanReason.Revoked, 6.5, ScanReason.Revoked);
        f.BadRequest("G07");
        return f;
    }

    public SimulationFacts Build()
    {
        var journals = _journals.ToDictionary(kv => kv.Key, kv => (IReadOnlyList<JournalEntry>)[.. kv.Value], StringComparer.Ordinal);
        var copy = CentralCopy ?? [.. journals.SelectMany(kv => kv.Value.Select(e => new StoredCheckIn(kv.Key, e, e.Hlc, e.At.AddMilliseconds(50), false)))];
        var entries = journals.Values.SelectMany(j => j).ToList();
        // Counted as central counts: an exit refused as not_inside is an exit.
        var passages = journals.SelectMany(kv => kv.Value).Where(e => e.Reason.IsPresenceEvidence() && e.AttendeeId is not null)
            .GroupBy(e => e.AttendeeId!).ToDictionary(g => g.Key, g => g.OrderBy(e => e.Hlc).ToList());
        var totals = new CheckInTotals(entries.Count, 0,
            entries.GroupBy(e => e.Reason).ToDictionary(g => g.Key, g => (long)g.Count()),
            journals.ToDictionary(kv => kv.Key, kv => (long)kv.Value.Count, StringComparer.Ordinal));
        var stats = new EventStats(SimulatedVenue.EventId, 10, 1, copy.Count,
            passages.Count(kv => kv.Value[^1].Reason == ScanReason.Admitted), passages.Count(kv => kv.Value.Any(e => e.Reason == ScanReason.Admitted)),
            Conflicts.Count, totals, [], Morning.AddMinutes(2));
        var edges = journals.Select(kv => new EdgeSyncFigures(kv.Key, Layout.Gates[kv.Key].Count, kv.Value.Count, kv.Value.Count, kv.Value.Count, 0, "central", 100)).ToList();
        var options = new SimulationOptions { Attendees = 10, Gates = 8, Edges = Layout.Edges.Count, Partition = Layout.Partition is not null };
        return new SimulationFacts(options, Layout, [.. _plan], [.. _outcomes], journals, copy, stats, [.. Conflicts], TimeSpan.FromSeconds(20),
            new EdgeStartupFigures(10, 1, 2), edges, null, null, TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1));
    }

    private void Answer(PlannedScan scan, ScanReason reason)
    {
        _plan.Add(scan);
        var result = reason is ScanReason.Admitted or ScanReason.Exited ? "admitted" : "refused";
        _outcomes.Add(new ScanOutcome(scan, 200, result, reason.Code(), 1, 0.5, scan.At + TimeSpan.FromMilliseconds(2), null));
    }
}
