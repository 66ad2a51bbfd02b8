using Venue.Domain.Portals;
using Venue.Domain.Readers;
using Venue.LoadHarness.Reporting;
using Venue.Simulation.Crowd;
using Venue.Storage.Sqlite;
using Venue.TelemetryBench.Floor;
using Venue.TelemetryBench.Peers;
using Venue.TelemetryBench.Reporting;

namespace Venue.TelemetryBench.Scenarios;

/// <summary>
/// RFID reads processed in process by one edge, closed loop: every reader hands in its next batch
/// as soon as the last one is answered (journaled, then routed through portals, locations and zones).
/// Beside it: the same edge with one read per batch, the journal alone, the grains alone, and two
/// SQLite-and-a-dictionary designs.
/// </summary>
internal static class InProcessScenario
{
    public const string Name = "inproc";

    public static async Task<Section> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var o = context.Options;
        var floor = context.Floor;
        var section = new Section(Name, "RFID reads processed in process, one edge");
        var table = new TextTable("design", "reads", "time", "reads/s", "Venue ÷ design", "CPU ms / 1,000 reads", "cores busy", "GC pauses (gen0/1/2)", "read back");
        var rates = new List<(string Name, double Rate)>();
        var batches = floor.Rounds(floor.TotalReads, o.Batch);
        // The same slack in reads of the day for every phase, whatever its batch size (see ClosedLoopAsync).
        var lead = LeadReads(o, floor);

        var warmUp = await WarmUpAsync(context);

        // The pipeline itself, the whole day.
        context.Console.WriteLine($"  venue, batch {o.Batch}: {floor.TotalReads:N0} reads ...");
        double venueRate;
        await using (var edge = await BenchEdge.StartAsync(floor, context.NewDirectory("inproc")))
        {
            var m = await ClosedLoopAsync(batches, o.Batch, lead, (_, batch) => edge.Telemetry.IngestAsync(batch, CancellationToken.None));
            venueRate = m.Rate(floor.TotalReads);
            var check = await CheckFullDayAsync(edge, floor.TotalReads);
            if (check.Failure is { } failure)
            {
                section.Failures.Add($"venue, batch {o.Batch}: {failure}");
            }

            Row(table, rates, $"Venue edge, `IngestAsync`, batches of up to {o.Batch}, {floor.Readers.Length} readers at once", floor.TotalReads, m, venueRate, check.Text);
            section.Notes.Add($"Venue edge, batches of {o.Batch}: {edge.Telemetry.Journal.Commits:N0} journal commits ({floor.TotalReads / (double)Math.Max(1, edge.Telemetry.Journal.Commits):N0} reads per disk sync), {check.Movements:N0} movements through portals for {floor.Passes:N0} planned passes.");
        }

        // Batch size 1: a reader posting one read per message.
        var singleCount = Math.Min(o.SingleReads, floor.TotalReads);
        context.Console.WriteLine($"  venue, batch 1: {singleCount:N0} reads ...");
        await using (var edge = await BenchEdge.StartAsync(floor, context.NewDirectory("inproc-1")))
        {
            var m = await ClosedLoopAsync(floor.Rounds(singleCount, 1), 1, lead, (_, batch) => edge.Telemetry.IngestAsync(batch, CancellationToken.None));
            var journaled = edge.Telemetry.Journal.LastReadSequence;
            Row(table, rates, $"Venue edge, `IngestAsync`, one read per batch, {floor.Readers.Length} readers at once (first {singleCount:N0} reads of the day)", singleCount, m, venueRate,
                journaled == singleCount ? $"ok: {journaled:N0} journaled" : $"journal holds {journaled:N0}");
            if (journaled != singleCount)
            {
                section.Failures.Add($"batch 1: journal holds {journaled:N0} of {singleCount:N0} reads");
            }

            section.Notes.Add($"Venue edge, one read per batch: {edge.Telemetry.Journal.Commits:N0} journal commits ({singleCount / (double)Math.Max(1, edge.Telemetry.Journal.Commits):0.0} reads per disk sync).");
        }

        // The journal alone: what the disk and SQLite allow.
        context.Console.WriteLine("  journal alone ...");
        using (var journal = SqliteReadJournal.Open(Path.Combine(context.NewDirectory("journal"), "telemetry.db"), TimeProvider.System))
        {
            var m = await ClosedLoopAsync(batches, o.Batch, lead, (_, batch) => journal.AppendReadsAsync(batch, CancellationToken.None));
            Row(table, rates, $"bound: the read journal alone (`SqliteReadJournal.AppendReadsAsync`), batches of {o.Batch}", floor.TotalReads, m, venueRate,
                journal.LastReadSequence == floor.TotalReads ? $"ok: {journal.Commits:N0} commits" : $"journal holds {journal.LastReadSequence:N0}");
        }

        // The grains alone: reads already journaled, routed as EdgeTelemetry routes them (one batch at a time).
        context.Console.WriteLine("  grains alone ...");
        await using (var edge = await BenchEdge.StartAsync(floor, context.NewDirectory("grains")))
        {
            var router = new PortalReadRouter(floor.Layout, edge.Silo.Grains);
            var receivedAt = DateTimeOffset.UtcNow;
            long sequence = 0;
            var journaled = new List<JournaledRead[]>();
            foreach (var round in batches)
            {
                foreach (var batch in round.SelectMany(reader => reader))
                {
                    journaled.Add([.. batch.Select(r => new JournaledRead(++sequence, r, receivedAt))]);
                }
            }

            SettleGc();
            var m = new Measured();
            foreach (var batch in journaled)
            {
                await router.RouteAsync(batch);
            }

            m.Stop();
            var check = await CheckZonesAsync(edge);
            Row(table, rates, $"bound: the grains alone (`PortalReadRouter.RouteAsync` on journaled reads, the same batches in the same rounds, one at a time)", floor.TotalReads, m, venueRate, check);
        }

        // The naive peer: a durable transaction per read, then a dictionary.
        var naiveCount = Math.Min(o.NaiveReads, floor.TotalReads);
        context.Console.WriteLine($"  peer: SQLite transaction per read, {naiveCount:N0} reads ...");
        using (var sink = new SqliteZoneSink(Path.Combine(context.NewDirectory("naive"), "reads.db"), floor.Layout, perRead: true))
        {
            var m = await ClosedLoopAsync(floor.Rounds(naiveCount, 1), 1, lead, (_, batch) => Task.Run(() => sink.IngestAsync(batch)));
            Row(table, rates, $"peer: SQLite, one durable transaction per read, then a dictionary of zones (first {naiveCount:N0} reads)", naiveCount, m, venueRate,
                sink.Stored == naiveCount ? $"ok: {sink.Stored:N0} stored" : $"stored {sink.Stored:N0}");
        }

        context.Console.WriteLine($"  peer: SQLite transaction per batch of {o.Batch} ...");
        using (var sink = new SqliteZoneSink(Path.Combine(context.NewDirectory("batched"), "reads.db"), floor.Layout, perRead: false))
        {
            var m = await ClosedLoopAsync(batches, o.Batch, lead, (_, batch) => Task.Run(() => sink.IngestAsync(batch)));
            Row(table, rates, $"peer: SQLite, one durable transaction per batch of {o.Batch} (no group commit across readers), then a dictionary of zones", floor.TotalReads, m, venueRate,
                sink.Stored == floor.TotalReads ? $"ok: {sink.Stored:N0} stored" : $"stored {sink.Stored:N0}");
        }

        section.Tables.Add(("Closed loop: each reader hands in its next batch when the last is answered.", table));
        section.Method.AddRange(
        [
            $"The floor: {o.Attendees:N0} attendees in {o.Areas} areas, each area the simulator's `CrowdLayout` (lobby, hall, session room, food court, three booth stands; 6 portals on 3 readers), merged into one venue layout: one edge with {floor.Readers.Length} readers. Everybody is admitted into their area's lobby through `IAttendeeLocationGrain.GateAsync`, as a gate admission does. `CrowdPlanner` plans each area's two-hour day (seed {o.Seed}) and `ReaderEmulator` turns its {floor.Passes:N0} passes into {floor.TotalReads:N0} noisy reads: 3 to 8 reads per antenna, signal rising and falling, {floor.Noise.OneAntenna:N0} passes seen by one antenna only, {floor.Noise.AtOnce:N0} by both at once. Reads and batches are built before any clock starts; each reader hands in its own reads in its own order. The plan is seeded: the same seed plans the same day in every run.",
            $"Before the run's first timed phase in process, untimed and thrown away: {warmUp}, so the first phase does not pay for the path's first JIT.",
            $"Closed loop in rounds: a round is the day's next readers × batch reads in event-time order, split by reader; every reader hands in its share of a round (in batches of at most the phase's batch size) and starts a round only once every read more than {lead:N0} reads of the day before that round's end has been answered (`--lead-reads`; about {Units.Number(lead * CrowdPlanner.Day.TotalSeconds / Math.Max(1, floor.TotalReads), "0")} s of the day here). {(Slack(floor, o.Batch, lead).Reads == Slack(floor, 1, lead).Reads ? "Every phase gives its readers that same slack, whatever its batch size" : "Rounded down to whole rounds (at least one), the slack differs between phases here")}: {Slack(floor, o.Batch, lead).Text} in the phases with batches of {o.Batch}, {Slack(floor, 1, lead).Text} in those with one read per batch. Journal commits of one round overlap the routing of the rounds before. Real readers share the wall clock; without the rounds a reader with fewer reads would race hours ahead in event time and feed an attendee's later crossing before an earlier one at another reader. Readers still differ by up to that slack in event time, so an attendee who crosses portals on two readers within it may be moved in the wrong order; when such a crossing was seen by one antenna only, its direction is judged against the wrong zone and the attendee ends up one zone off. Such differences from the plan are shown, not hidden, in the read back (the grains alone, fed the batched phase's rounds one batch at a time, show the same kind); with less slack (`--batch 10`, whose default slack is {2 * floor.Readers.Length * 10:N0} reads) zones equal the plan exactly.",
            $"Venue: a real `EdgeSilo` started with the layout file (`EdgeSiloOptions.LayoutPath`), `silo.Telemetry.IngestAsync` called by {floor.Readers.Length} readers at once, closed loop: a batch is answered once it is durable in `telemetry.db` (WAL, `synchronous=FULL`, group commit) **and** routed through portal, attendee-location and zone grains. Reads ÷ time from the first hand-off to the last answer.",
            "Read back after the whole day: the journal holds every read; once the portals' idle timers have decided the last open passes, every zone's occupancy equals the number of people the plan leaves there.",
            "Bounds, to show where the time goes: the journal alone (the same batches appended by the same readers at once, nothing routed) and the grains alone (the same batches, already journaled, through `PortalReadRouter` one at a time as `EdgeTelemetry` routes them, on a fresh silo, no disk).",
            "Peers: the same edge fed one read per batch (a reader that does not batch), and SQLite with the same reads table (WAL, `synchronous=FULL`, unique on reader and event number), one connection behind a lock, zones in a dictionary by the side of the last antenna that saw each badge (no debouncing or direction rules: less work than the grains do, and wrong whenever a badge is seen by the far antenna first); once with a transaction per read, once with one per batch. The smaller prefixes are the first reads of the day in event-time order.",
            "CPU ms per 1,000 reads is this process' CPU time (all threads) over the phase; 'cores busy' its CPU time over wall time. The machine has " + Environment.ProcessorCount + " cores, shared with whatever else ran.",
        ]);

        context.Goals.Add(new GoalLine("RFID reads processed in process, one edge, reads/s", "≥ 200,000",
            Units.PerSecond(venueRate), venueRate >= 200_000,
            string.Join("; ", rates.Select(r => $"{r.Name}: {Units.PerSecond(r.Rate)}")),
            string.Join("; ", rates.Select(r => $"{Units.Ratio(venueRate / r.Rate)} {r.Name}"))));
        return section;
    }

    /// <summary>
    /// The in-process path's warm-up, once per run (the latency scenario's in-process phases share it):
    /// the day's first reads through a throwaway edge, closed loop as the timed phase hands them in.
    /// </summary>
    public static Task<string> WarmUpAsync(BenchContext context) => context.WarmUpOnceAsync("in process", async () =>
    {
        var o = context.Options;
        var floor = context.Floor;
        var reads = Math.Min(100_000, floor.TotalReads);
        await using var warm = await BenchEdge.StartAsync(floor, context.NewDirectory("warm"));
        await ClosedLoopAsync(floor.Rounds(reads, o.Batch), o.Batch, LeadReads(o, floor), (_, batch) => warm.Telemetry.IngestAsync(batch, CancellationToken.None));
        return $"the day's first {reads:N0} reads through a throwaway edge, closed loop in batches of {o.Batch}";
    });

    private static void Row(TextTable table, List<(string Name, double Rate)> rates, string design, long reads, Measured m, double venueRate, string check)
    {
        var rate = m.Rate(reads);
        if (!design.StartsWith("Venue edge, `IngestAsync`, batches of up", StringComparison.Ordinal))
        {
            rates.Add((ShortName(design), rate));
        }

        table.Add(design, Units.Count(reads), Units.Seconds(m.Elapsed.TotalSeconds), Units.PerSecond(rate), Units.Ratio(venueRate / rate),
            Units.Number(m.CpuPerThousand(reads), "0.0"), Units.Number(m.Cores, "0.00"), m.Gc.ToString(), check);
    }

    private static string ShortName(string design) =>
        design.Contains("one read per batch", StringComparison.Ordinal) ? "batch 1"
        : design.Contains("journal alone", StringComparison.Ordinal) ? "journal alone (bound)"
        : design.Contains("grains alone", StringComparison.Ordinal) ? "grains alone (bound)"
        : design.Contains("per read", StringComparison.Ordinal) ? "SQLite txn per read"
        : "SQLite txn per batch";

    /// <summary>
    /// Round by round (see <see cref="BenchFloor.Rounds"/>, rounds of readers × <paramref name="batch"/>
    /// reads): every reader hands in its batches of the round one after another, all readers at once,
    /// and starts a round once every read more than <paramref name="leadReads"/> reads of the day before
    /// the round's end has been answered. The slack is counted in reads, not rounds, so a phase with
    /// small batches (small rounds) is held back no more than one with large ones. Timed from the
    /// first hand-off to the last answer.
    /// </summary>
    public static async Task<Measured> ClosedLoopAsync(TagRead[][][][] rounds, int batch, long leadReads, Func<int, TagRead[], Task> send)
    {
        SettleGc();
        var readers = rounds.Length == 0 ? 0 : rounds[0].Length;
        var behind = RoundsBehind(readers, batch, leadReads);
        var done = rounds.Select(_ => new RoundCountdown(readers)).ToArray();
        var m = new Measured();
        await Task.WhenAll(Enumerable.Range(0, readers).Select(r => Task.Run(async () =>
        {
            for (var w = 0; w < rounds.Length; w++)
            {
                if (w - behind >= 0)
                {
                    await done[w - behind].Task;
                }

                await HandInAsync(r, rounds[w][r], send);
                done[w].Signal();
            }
        })));
        return m.Stop();
    }

    /// <summary>The slack of every closed-loop phase: <c>--lead-reads</c>, or two rounds of the batched phase.</summary>
    public static long LeadReads(TelemetryBenchOptions o, BenchFloor floor) => o.LeadReads ?? 2L * floor.Readers.Length * o.Batch;

    /// <summary>
    /// Round w may start once round w − k is answered by every reader: the reads handed in then reach
    /// at most k rounds (k × readers × batch reads) past the oldest one not yet answered. At least one
    /// round: a reader always may hand in the round it is in.
    /// </summary>
    private static int RoundsBehind(int readers, int batch, long leadReads) =>
        (int)Math.Clamp(leadReads / Math.Max(1L, (long)readers * batch), 1, int.MaxValue);

    /// <summary>What the slack comes to for a batch size, as rounds of reads (it is rounded down to whole rounds, and is at least one).</summary>
    private static (long Reads, string Text) Slack(BenchFloor floor, int batch, long leadReads)
    {
        var perRound = (long)floor.Readers.Length * batch;
        var behind = RoundsBehind(floor.Readers.Length, batch, leadReads);
        return (behind * perRound, $"{behind:N0} round{(behind == 1 ? "" : "s")} of {perRound:N0} reads ({behind * perRound:N0} reads)");
    }

    /// <summary>Completes when every reader has finished the round.</summary>
    private sealed class RoundCountdown(int readers)
    {
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _left = readers;

        public Task Task => _all.Task;

        public void Signal()
        {
            if (Interlocked.Decrement(ref _left) == 0)
            {
                _all.SetResult();
            }
        }
    }

    private static async Task HandInAsync(int reader, TagRead[][] batches, Func<int, TagRead[], Task> send)
    {
        foreach (var batch in batches)
        {
            await send(reader, batch);
        }
    }

    public static void SettleGc()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static async Task<(string Text, string? Failure, long Movements)> CheckFullDayAsync(BenchEdge edge, long reads)
    {
        var journaled = edge.Telemetry.Journal.LastReadSequence;
        if (journaled != reads)
        {
            return ($"journal holds {journaled:N0} of {reads:N0}", $"journal holds {journaled:N0} of {reads:N0} reads", 0);
        }

        var zones = await CheckZonesAsync(edge);
        var moves = await edge.MovementsAsync();
        var (people, _) = await edge.CompareZonesAsync();
        // Zones that differ from the plan by a person or two come from the rounds' event-time skew between
        // readers (see the method); a person lost or counted twice would be a fault.
        return ($"journal: all {journaled:N0}; {zones}", people == edge.Floor.Attendees.Length ? null : $"zones hold {people:N0} of {edge.Floor.Attendees.Length:N0} people", moves);
    }

    private static async Task<string> CheckZonesAsync(BenchEdge edge)
    {
        var drained = await edge.DrainPassesAsync(TimeSpan.FromSeconds(30));
        var (people, differences) = await edge.CompareZonesAsync();
        if (!drained)
        {
            return "passes still open after 30 s";
        }

        return differences.Count == 0
            ? $"ok: zones hold the plan's {people:N0} people exactly"
            : $"{differences.Count} zones differ from the plan: {string.Join("; ", differences.Take(4))}";
    }
}
