using System.Globalization;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;

namespace Venue.Simulation;

/// <summary>
/// Judges a finished run: what the scanners were told against what every edge journaled, and what
/// central holds and concluded against those journals. Each check says in its detail what it
/// compared, so a failure names what to look at.
/// </summary>
internal static class SimulationVerdict
{
    public static SimulationReport Judge(SimulationFacts f)
    {
        var checks = new List<VerdictCheck>();
        var answered = f.Outcomes.Where(o => o.Status == 200).ToList();
        var journal = f.Journals.SelectMany(kv => kv.Value.Select(e => (Edge: kv.Key, Entry: e))).ToList();
        var entries = journal.Select(x => x.Entry).ToList();
        var edges = f.Layout.Edges.Count;
        var (settledTwins, unsettledTwins) = SplitOtherEdgeScans(f, answered);
        // Admitted at two edges that could not know of each other: the planned doubles, and any badge
        // shown at another edge while the cut-off edge was still catching up and admitted there too.
        var doubles = AdmittedDoubles(answered);
        doubles.UnionWith(unsettledTwins.Where(o => o.Reason == ScanReason.Admitted.Code()).Select(o => o.Scan.AttendeeId!));

        // Every attendee's passages across all edges, in the order central reconciles them.
        var passages = journal.Where(x => x.Entry.Passed && x.Entry.AttendeeId is not null)
            .GroupBy(x => x.Entry.AttendeeId!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.OrderBy(x => x.Entry.Hlc).ThenBy(x => x.Edge, StringComparer.Ordinal).ThenBy(x => x.Entry.Sequence).ToList(), StringComparer.Ordinal);

        // 1. Nobody admitted twice: passages alternate admitted, exited, admitted... except the planned
        //    doubles across the partition, which are exactly one admission at each of two edges.
        var doubleAdmissions = passages.Where(kv => doubles.Contains(kv.Key)
                ? !(kv.Value.Count == 2 && kv.Value.All(x => x.Entry.Reason == ScanReason.Admitted) && kv.Value[0].Edge != kv.Value[1].Edge)
                : kv.Value.Where((x, i) => x.Entry.Reason != (i % 2 == 0 ? ScanReason.Admitted : ScanReason.Exited)).Any())
            .Select(kv => kv.Key).ToList();
        checks.Add(new VerdictCheck(edges > 1 ? "Nobody admitted twice, but for the planned doubles across the partition" : "Nobody admitted twice", doubleAdmissions.Count == 0,
            doubleAdmissions.Count > 0 ? $"{doubleAdmissions.Count} attendees, e.g. {string.Join(", ", doubleAdmissions.Take(5))}"
                : edges > 1 ? $"across {edges} edges in clock order every attendee's passages alternate entry, exit, entry; {doubles.Count} badges admitted once at each of two edges while they could not know of each other"
                : "every attendee's passages alternate entry, exit, entry"));

        // 2. Every admission answered to a scanner is in its edge's journal, and the journals admit no one else.
        var journalByScan = entries.GroupBy(e => (e.GateId, e.Nonce)).ToDictionary(g => g.Key, g => g.ToList());
        var admittedAnswers = answered.Where(o => o.Reason == "admitted").Select(o => (o.Scan.GateId, o.Scan.Nonce)).Distinct().ToList();
        var missing = admittedAnswers.Count(k => !journalByScan.TryGetValue(k, out var es) || es.All(e => e.Reason != ScanReason.Admitted));
        var journalAdmissions = entries.Count(e => e.Reason == ScanReason.Admitted);
        checks.Add(new VerdictCheck("Every admission journaled", missing == 0 && journalAdmissions == admittedAnswers.Count,
            $"{admittedAnswers.Count:N0} admitted answers, {journalAdmissions:N0} admissions in the journal{(edges > 1 ? "s" : "")}, {missing} missing"));

        // 3. Each scan journaled exactly once, retries included; broken requests not at all.
        var distinctScans = answered.Select(o => (o.Scan.GateId, o.Scan.Nonce)).Distinct().Count();
        var duplicatedEntries = journalByScan.Count(kv => kv.Value.Count > 1);
        checks.Add(new VerdictCheck("Every scan journaled exactly once", entries.Count == distinctScans && duplicatedEntries == 0,
            $"{distinctScans:N0} distinct scans answered, {entries.Count:N0} journal entries, {duplicatedEntries} scans journaled twice"));

        // 4. The same badge at two gates of one edge at the same instant: exactly one admitted.
        var pairs = answered.Where(o => o.Scan.Kind == ScanKind.Simultaneous).GroupBy(o => o.Scan.AttendeeId).ToList();
        var badPairs = pairs.Count(g => g.Count(o => o.Reason == "admitted") != 1 || g.Count() != 2);
        const string PairsName = "Simultaneous scans of one badge: exactly one admitted";
        checks.Add(pairs.Count == 0
            ? VerdictCheck.NotExercised(PairsName, "no simultaneous pair planned (about 1 arrival in 200 is one; too few attendees)")
            : new VerdictCheck(PairsName, badPairs == 0, $"{pairs.Count} pairs, {badPairs} wrong"));

        // 5. A retried nonce gets the first answer.
        var firstAnswer = answered.Where(o => o.Scan.Kind == ScanKind.Arrival).ToDictionary(o => (o.Scan.GateId, o.Scan.Nonce), o => o.Reason);
        var retries = answered.Where(o => o.Scan.Kind == ScanKind.Retry).ToList();
        var changed = retries.Count(o => firstAnswer.TryGetValue((o.Scan.GateId, o.Scan.Nonce), out var first) && first != o.Reason);
        const string RetriesName = "Retried scans answered as the first time";
        checks.Add(retries.Count == 0
            ? VerdictCheck.NotExercised(RetriesName, "no retry planned (about 1 arrival in 100 is retried; too few attendees)")
            : new VerdictCheck(RetriesName, changed == 0, $"{retries.Count} retries, {changed} answered differently"));

        // 6. Outcomes that do not depend on timing came out as planned. A partition double is certain
        //    only while the two edges cannot hear of each other: one a loaded machine answered after the
        //    heal may rightly be refused already_inside, and is judged with the conflicts (10) instead.
        var healedAt = f.Injector is { CutAt: not null } injected ? injected.HealedAt : f.Layout.Partition?.To;
        var lateDoubles = f.Outcomes.Where(o => o.Scan.Kind == ScanKind.PartitionDouble && o.Reason == ScanReason.AlreadyInside.Code()
            && healedAt is { } heal && o.CompletedAt >= heal).ToHashSet();
        var wrong = f.Outcomes.Where(o => o.Scan.Expected is { } expected && o.Reason != expected.Code() && !lateDoubles.Contains(o)).ToList();
        var asideLate = lateDoubles.Count == 0 ? "" : $"; {lateDoubles.Count} partition doubles answered after the heal were refused already_inside, judged with the conflicts";
        checks.Add(new VerdictCheck("Refusals and passages as expected", wrong.Count == 0,
            wrong.Count == 0 ? $"{f.Outcomes.Count(o => o.Scan.Expected is not null && !lateDoubles.Contains(o)):N0} scans with a certain outcome all right{asideLate}"
                : $"{wrong.Count} wrong, e.g. {string.Join("; ", wrong.Take(3).Select(o => $"{o.Scan.Kind} at {o.Scan.GateId}: expected {o.Scan.Expected}, got {o.Reason ?? o.Status.ToString(CultureInfo.InvariantCulture)}"))}{asideLate}"));

        // 7. Entry scans of attendees who never left: exactly one admission each (a partition double's second scan is judged by 10).
        var leaving = f.Plan.Where(p => p.Kind == ScanKind.Exit).Select(p => p.AttendeeId).ToHashSet();
        var entrants = answered.Where(o => o.Scan.Kind is ScanKind.Arrival or ScanKind.Duplicate && !leaving.Contains(o.Scan.AttendeeId))
            .GroupBy(o => o.Scan.AttendeeId).ToList();
        var notOnce = entrants.Count(g => g.Where(o => o.Reason == "admitted").Select(o => o.Scan.Nonce).Distinct().Count() != 1);
        const string EntrantsName = "Each arriving attendee admitted exactly once";
        checks.Add(entrants.Count == 0
            ? VerdictCheck.NotExercised(EntrantsName, "no attendee arrived and stayed")
            : new VerdictCheck(EntrantsName, notOnce == 0, $"{entrants.Count:N0} attendees, {notOnce} not admitted exactly once"));

        // 8. Broken requests get 400 and nothing else fails, the cut-off edge's scanners included.
        var badRequests = f.Outcomes.Where(o => o.Scan.Kind == ScanKind.BadRequest).ToList();
        var failures = f.Outcomes.Where(o => o.Scan.Kind != ScanKind.BadRequest && o.Status != 200).ToList();
        checks.Add(new VerdictCheck("Broken requests rejected with 400, no other failures",
            badRequests.All(o => o.Status == 400) && failures.Count == 0,
            $"{badRequests.Count(o => o.Status == 400)}/{badRequests.Count} broken requests got 400; {failures.Count} other failures{(failures.Count > 0 ? $", e.g. {failures[0].Status} {failures[0].Failure}" : "")}"));

        checks.Add(CentralHoldsEveryEntry(f, entries));
        checks.Add(ConflictsAreThePlannedDoubles(f, doubles));
        checks.Add(OtherEdgeRefuses(f, settledTwins, unsettledTwins));
        checks.Add(OccupancyMatches(f, journal));

        // Counted per scan: a retried nonce is one scan, answered twice.
        var refusedByReason = answered.Where(o => o.Result == "refused").DistinctBy(o => (o.Scan.GateId, o.Scan.Nonce))
            .GroupBy(o => o.Reason!).OrderByDescending(g => g.Count())
            .ToDictionary(g => g.Key, g => g.Count());
        var peak = answered.GroupBy(o => (int)o.CompletedAt.TotalSeconds).Select(g => g.Count()).DefaultIfEmpty(0).Max();
        return new SimulationReport(
            f.Options.Attendees,
            f.Options.Gates,
            f.Outcomes.Count,
            admittedAnswers.Count,
            answered.Where(o => o.Reason == "exited").Select(o => (o.Scan.GateId, o.Scan.Nonce)).Distinct().Count(),
            refusedByReason,
            answered.Where(o => o.Reason == "already_inside").Select(o => (o.Scan.GateId, o.Scan.Nonce)).Distinct().Count(),
            badRequests.Count(o => o.Status == 400),
            f.Elapsed,
            answered.Count / Math.Max(f.Elapsed.TotalSeconds, 0.001),
            peak,
            LatencySummary.Of(answered.Where(o => o.ServerMs is not null).Select(o => o.ServerMs!.Value)),
            LatencySummary.Of(answered.Select(o => o.RoundTripMs)),
            entries.Count,
            f.Edges.Sum(e => e.JournalCommits),
            f.Startup,
            Sync(f, settledTwins, doubles),
            checks);
    }

    /// <summary>
    /// Splits the scans of badges shown at another edge into those made while both edges could know
    /// of each other and those that, on a slow machine, fell into the cut-off edge's partition or the
    /// catch-up after it (planned to be settled, they were not): the latter are judged with the partition.
    /// </summary>
    private static (List<ScanOutcome> Settled, List<ScanOutcome> Unsettled) SplitOtherEdgeScans(SimulationFacts f, IReadOnlyList<ScanOutcome> answered)
    {
        var twins = answered.Where(o => o.Scan.Kind == ScanKind.OtherEdge).ToList();
        if (f.Injector is not { CutAt: { } cut } injector)
        {
            return (twins, []);
        }

        var slack = TimeSpan.FromSeconds(0.5);
        var settledFrom = injector.HealedAt is { } healed && injector.CatchUp is { } catchUp ? healed + catchUp + slack : TimeSpan.MaxValue;
        bool Unsettled(TimeSpan t) => t >= cut - slack && t <= settledFrom;
        var arrivals = answered.Where(o => o.Scan.Kind == ScanKind.Arrival).GroupBy(o => o.Scan.AttendeeId!).ToDictionary(g => g.Key, g => g.First());
        var settled = new List<ScanOutcome>();
        var unsettled = new List<ScanOutcome>();
        foreach (var twin in twins)
        {
            var arrival = arrivals.GetValueOrDefault(twin.Scan.AttendeeId!);
            var involved = f.Layout.EdgeOf(twin.Scan.GateId) == injector.Window.Edge
                || (arrival is not null && f.Layout.EdgeOf(arrival.Scan.GateId) == injector.Window.Edge);
            var late = involved && (Unsettled(twin.Scan.At) || Unsettled(twin.CompletedAt) || (arrival is not null && Unsettled(arrival.CompletedAt)));
            (late ? unsettled : settled).Add(twin);
        }

        return (settled, unsettled);
    }

    /// <summary>Attendees whose partition double was admitted at both edges, as the scanners were told.</summary>
    private static HashSet<string> AdmittedDoubles(IReadOnlyList<ScanOutcome> answered)
    {
        var planned = answered.Where(o => o.Scan.Kind == ScanKind.PartitionDouble && o.Reason == "admitted").Select(o => o.Scan.AttendeeId!).ToHashSet(StringComparer.Ordinal);
        var arrived = answered.Where(o => o.Scan.Kind == ScanKind.Arrival && o.Reason == "admitted" && planned.Contains(o.Scan.AttendeeId!)).Select(o => o.Scan.AttendeeId!);
        return arrived.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>9. Central's copy of each edge's journal is that journal: every (edge, sequence) once, with the same scan and reason.</summary>
    private static VerdictCheck CentralHoldsEveryEntry(SimulationFacts f, IReadOnlyList<JournalEntry> entries)
    {
        var held = f.CentralCheckIns.GroupBy(c => c.EdgeId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var problems = new List<string>();
        var parts = new List<string>();
        foreach (var (edge, journal) in f.Journals)
        {
            var copy = held.TryGetValue(edge, out var h) ? h : [];
            var twice = copy.GroupBy(c => c.Entry.Sequence).Count(g => g.Count() > 1);
            var bySequence = copy.DistinctBy(c => c.Entry.Sequence).ToDictionary(c => c.Entry.Sequence, c => c.Entry);
            var absent = journal.Count(e => !bySequence.TryGetValue(e.Sequence, out var c)
                || c.GateId != e.GateId || c.Nonce != e.Nonce || c.Reason != e.Reason || c.AttendeeId != e.AttendeeId || c.Direction != e.Direction);
            var extra = bySequence.Keys.Except(journal.Select(e => e.Sequence)).Count();
            var reasons = SameCounts(journal.GroupBy(e => e.Reason).ToDictionary(g => g.Key, g => (long)g.Count()),
                copy.GroupBy(c => c.Entry.Reason).ToDictionary(g => g.Key, g => (long)g.Count()));
            parts.Add($"{edge} {copy.Count:N0}/{journal.Count:N0}");
            if (twice > 0 || absent > 0 || extra > 0 || !reasons)
            {
                problems.Add($"{edge}: {absent} missing or different, {extra} unknown, {twice} held twice{(reasons ? "" : ", counts by reason differ")}");
            }
        }

        foreach (var stranger in held.Keys.Where(k => !f.Journals.ContainsKey(k)))
        {
            problems.Add($"central holds entries of an edge that did not run: {stranger}");
        }

        var totals = f.CentralStats.CheckIns;
        var totalsAgree = totals.Entries == entries.Count
            && f.Journals.All(kv => totals.ByEdge.TryGetValue(kv.Key, out var n) && n == kv.Value.Count)
            && SameCounts(entries.GroupBy(e => e.Reason).ToDictionary(g => g.Key, g => (long)g.Count()), totals.ByReason);
        if (!totalsAgree)
        {
            problems.Add($"central's totals say {totals.Entries:N0} entries ({string.Join(", ", totals.ByEdge.Select(kv => $"{kv.Key} {kv.Value:N0}"))})");
        }

        return new VerdictCheck("Central holds every journal entry exactly once", problems.Count == 0,
            problems.Count == 0
                ? $"{string.Join(", ", parts)} entries, each once with the same scan and reason; totals by edge and by reason agree ({totals.Entries:N0})"
                : string.Join("; ", problems));
    }

    /// <summary>10. Central raised one conflict per badge admitted at two edges during the partition, and no other.</summary>
    private static VerdictCheck ConflictsAreThePlannedDoubles(SimulationFacts f, HashSet<string> doubles)
    {
        const string Name = "Conflicts are exactly the badges admitted at two edges during the partition";
        var byAttendee = f.Conflicts.GroupBy(c => c.AttendeeId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var unexpected = byAttendee.Keys.Where(a => !doubles.Contains(a)).ToList();
        var notRaised = doubles.Where(a => !byAttendee.ContainsKey(a)).ToList();
        var repeated = byAttendee.Count(kv => kv.Value != 1);
        var planned = f.Plan.Count(p => p.Kind == ScanKind.PartitionDouble);
        var passed = unexpected.Count == 0 && notRaised.Count == 0 && repeated == 0;
        if (passed && f.Layout.Edges.Count == 1)
        {
            return VerdictCheck.NotExercised(Name, "one edge: no badge can be admitted at two; none raised");
        }

        if (passed && f.Layout.Edges.Count > 1 && f.Layout.Partition is { } cut && doubles.Count == 0 && f.Conflicts.Count == 0)
        {
            // A partition was asked for, but no badge was admitted at two edges during it: nothing to raise, so nothing was judged.
            return VerdictCheck.NotExercised(Name, planned == 0
                ? $"no double planned: no arrival fell well inside {cut.Edge}'s partition ({cut.From.TotalSeconds:0.0#} s to {cut.To.TotalSeconds:0.0#} s; too short a rush or too few attendees); none raised"
                : $"{planned} doubles planned, none admitted at both edges; none raised");
        }

        var detail = passed
            ? planned == 0 && doubles.Count == 0
                ? "no partition between edges: no conflict, none raised"
                : $"{f.Conflicts.Count} conflicts for the {doubles.Count} badges admitted at two edges that could not know of each other ({planned} doubles planned)"
            : $"{f.Conflicts.Count} conflicts, {doubles.Count} doubles admitted at two edges: {notRaised.Count} not raised{Example(notRaised)}, {unexpected.Count} unexpected{Example(unexpected)}, {repeated} raised more than once";
        return new VerdictCheck(Name, passed, detail);
    }

    /// <summary>11. With every link up, a badge shown at another edge seconds after its admission is refused there.</summary>
    private static VerdictCheck OtherEdgeRefuses(SimulationFacts f, IReadOnlyList<ScanOutcome> twins, IReadOnlyList<ScanOutcome> unsettled)
    {
        const string Name = "A badge admitted at one edge is refused at the other while the link is up";
        if (f.Layout.Edges.Count < 2)
        {
            return VerdictCheck.NotExercised(Name, "one edge: there is no other edge to show a badge at");
        }

        var admitted = twins.Where(o => o.Reason != ScanReason.AlreadyInside.Code()).ToList();
        var aside = unsettled.Count == 0 ? ""
            : $"; {unsettled.Count} more fell into {f.Injector!.Window.Edge}'s partition or catch-up ({(f.Injector.CatchUp is { } c ? $"{c.TotalSeconds:0.0} s" : "never done")}) and are judged with the conflicts";
        // An edge that never caught up after the heal never had its link back, whatever its sockets say.
        var healed = f.Injector is not { CutAt: not null } injector || injector.CatchUp is not null;
        if (healed && twins.Count == 0)
        {
            return VerdictCheck.NotExercised(Name, $"no badge was shown at another edge while both links were up (too short a rush around the partition, or too few attendees){aside}");
        }

        return new VerdictCheck(Name, admitted.Count == 0 && healed,
            !healed ? $"{f.Injector!.Window.Edge} never caught up after the heal{aside}"
            : admitted.Count == 0
                ? $"{twins.Count} badges shown at another edge {ScanPlanner.OtherEdgeAfter.Min:0.#} to {ScanPlanner.OtherEdgeAfter.Max:0.#} s after their admission, all refused already_inside{aside}"
                : $"{admitted.Count} of {twins.Count} not refused already_inside, e.g. {string.Join("; ", admitted.Take(3).Select(o => $"{o.Scan.AttendeeId} at {o.Scan.GateId} {o.Scan.At.TotalSeconds:0.0}s: {o.Reason}"))}{aside}");
    }

    /// <summary>
    /// 12. Central's live counts equal a fold of all the journals' passages in clock order, each person
    /// counted once. An exit refused as not_inside counts as an exit (nobody is kept in; docs/sync-protocol.md).
    /// </summary>
    private static VerdictCheck OccupancyMatches(SimulationFacts f, IReadOnlyList<(string Edge, JournalEntry Entry)> journal)
    {
        var evidence = journal.Where(x => x.Entry.Reason.IsPresenceEvidence() && x.Entry.AttendeeId is not null)
            .GroupBy(x => x.Entry.AttendeeId!, StringComparer.Ordinal)
            .Select(g => g.OrderBy(x => x.Entry.Hlc).ThenBy(x => x.Edge, StringComparer.Ordinal).ThenBy(x => x.Entry.Sequence).ToList())
            .ToList();
        var inside = evidence.Count(e => e[^1].Entry.Reason == ScanReason.Admitted);
        var admitted = evidence.Count(e => e.Any(x => x.Entry.Reason == ScanReason.Admitted));
        var stats = f.CentralStats;
        return new VerdictCheck("Occupancy at central equals the people inside per the edges' journals (each counted once)",
            stats.Inside == inside && stats.Admitted == admitted,
            $"central: {stats.Inside:N0} inside, {stats.Admitted:N0} admitted at least once; the journals: {inside:N0} inside, {admitted:N0} admitted");
    }

    private static SyncFigures Sync(SimulationFacts f, IReadOnlyList<ScanOutcome> twins, HashSet<string> doubles)
    {
        // Entries the partition held up (buffered, or queued behind the backlog until the catch-up ended) are
        // the partition's figures, not the link's: the lag is that of entries journaled while the link was up.
        var lag = LatencySummary.Of(f.CentralCheckIns
            .Where(c => f.Injector?.HeldUp(c.EdgeId, c.Entry.Sequence, c.Entry.At) != true)
            .Select(c => Math.Max(0, (c.ReceivedAt - c.Entry.At).TotalMilliseconds)));
        return new SyncFigures(
            f.Edges,
            f.Partition,
            lag,
            f.CentralCheckIns.Count,
            f.CentralCheckIns.Count(c => c.Late),
            SimulationRunner.LateAfter,
            f.Conflicts.Count,
            doubles.Count,
            f.CentralStats.Inside,
            f.CentralStats.Admitted,
            twins.Count,
            twins.Count(o => o.Reason == ScanReason.AlreadyInside.Code()),
            f.Registration.TotalMilliseconds,
            f.Drain.TotalSeconds);
    }

    /// <summary>The same count for every reason (a reason counted zero times may be absent on either side).</summary>
    private static bool SameCounts(IReadOnlyDictionary<ScanReason, long> a, IReadOnlyDictionary<ScanReason, long> b) =>
        a.Where(kv => kv.Value != 0).All(kv => b.TryGetValue(kv.Key, out var n) && n == kv.Value)
        && b.Where(kv => kv.Value != 0).All(kv => a.TryGetValue(kv.Key, out var n) && n == kv.Value);

    private static string Example(IReadOnlyList<string> ids) => ids.Count == 0 ? "" : $" (e.g. {string.Join(", ", ids.Take(3))})";
}
