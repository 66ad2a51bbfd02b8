using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Venue.Domain.CheckIn;
using Venue.LoadHarness.Reporting;
using Venue.Simulation.Network;
using Venue.SyncBench.Hosting;
using Venue.SyncBench.Reporting;
using Venue.SyncBench.Workload;

namespace Venue.SyncBench.Scenarios;

/// <summary>
/// Catch-up after a partition: an edge syncing with central through a fault proxy is cut off, scans
/// its whole batch of badges while cut off (journaled, answered, buffered), and once the link heals
/// the bench times how long until central holds the edge's journal up to its last entry.
/// </summary>
internal sealed class CatchUpScenario : ISyncScenario
{
    private const double RepeatShare = 0.06, JunkShare = 0.02;
    private const int ScansInFlight = 64;
    private const string EdgeId = "edge-cut-off";

    /// <summary>The uplink's default longest retry delay (<c>Edge:Central:RetryMax</c>).</summary>
    private static readonly TimeSpan RetryCeiling = new Venue.Edge.Sync.CentralSyncOptions().RetryMax;

    public string Name => "catch-up";

    public async Task<ScenarioReport> RunAsync(BenchEnvironment environment, CancellationToken cancellationToken)
    {
        var o = environment.Options;
        var minutes = o.PartitionAge.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture);
        var report = new ScenarioReport(Name, $"Catch-up after a {minutes}-minute partition");
        var figure = new Figure($"catch-up after a {minutes}-minute partition with {o.CatchUpEntries:N0} buffered entries: heal → central holds them all",
            "≤ 10 s", 10, higherIsBetter: false, Units.Seconds);
        var uploads = new List<string>();
        var table = new TextTable("central", "entries", "scanned while cut off", "partition held", "heal → first answer", "first answer → caught up",
            "upload rate", "heal → caught up", "late at central", "read back");
        await PerStore.RunAsync(environment, report, async store =>
        {
            var r = await MeasureAsync(environment, store, cancellationToken);
            figure.Set(store, r.CaughtUp.TotalSeconds, $"{Units.Seconds(r.FirstAnswer)} retry wait + {Units.Seconds(r.CaughtUp - r.FirstAnswer)} upload");
            table.Add(PerStore.Label(store), Units.Count(r.Entries), $"{Units.Seconds(r.Scanning)} ({Units.PerSecond(r.Entries / r.Scanning.TotalSeconds)})",
                Units.Seconds(r.Held), Units.Seconds(r.FirstAnswer), Units.Seconds(r.CaughtUp - r.FirstAnswer),
                Units.PerSecond(r.Entries / (r.CaughtUp - r.FirstAnswer).TotalSeconds), Units.Seconds(r.CaughtUp), Units.Count(r.Late), r.Check);
            environment.Console.WriteLine($"  heal → caught up {Units.Seconds(r.CaughtUp)} (first answer after {Units.Seconds(r.FirstAnswer)}), {r.Check}");
            uploads.Add($"{PerStore.Label(store)} {Units.Seconds(r.CaughtUp - r.FirstAnswer)}, so between {Units.Seconds(r.CaughtUp - r.FirstAnswer)} " +
                $"and {Units.Seconds((r.CaughtUp - r.FirstAnswer).TotalSeconds + RetryCeiling.TotalSeconds)}");
        }, cancellationToken);

        report.Goals.Add(figure.ToLine());
        report.Method.Add($"Central (a fresh store) with {o.CatchUpEntries:N0} attendees registered. One edge (`EdgeSilo`, default `Edge:Central` settings: " +
            $"upload batches of 1,000, retries from 200 ms doubling to {RetryCeiling.TotalSeconds:0} s with full jitter) reaches central through `FaultProxy`, " +
            "downloads the ledger, starts its uplink and waits until it is online.");
        report.Method.Add($"`FaultProxy.Partition()`: open connections are reset, new ones refused. The edge then scans {o.CatchUpEntries:N0} badges, " +
            $"{ScansInFlight} at a time (each registered attendee once in a random order, {RepeatShare:P0} presented again, {JunkShare:P0} codes that are no badge), " +
            $"all journaled and answered offline. The link stays cut at least {o.PartitionHold.TotalSeconds:0} s, long enough for the uplink's retry delay " +
            $"to reach its {RetryCeiling.TotalSeconds:0} s ceiling as it would in any long partition.");
        report.Method.Add($"The edge's clock runs {minutes} minutes behind (`ShiftedTimeProvider`), so its entries reach central {minutes} minutes old " +
            "and central marks them late, as after a real partition of that length; timers are the system's.");
        report.Method.Add("`FaultProxy.Heal()`, then the clock runs until the edge's uplink reports that central holds its journal without a gap up to the " +
            "last entry (the receipt of the last upload, `SyncStatus.UploadedSequence`); the wait is on the uplink's progress signal, not a poll. " +
            "**heal → first answer** is the rest of the retry delay the uplink was sleeping when the link came back, plus one request; " +
            "**first answer → caught up** is the upload itself.");
        report.Method.Add("Read back at central: the edge's contiguous sequence and stored count equal the journal's last sequence, every entry is late, " +
            "and central's count of attendees admitted equals the edge's admissions.");
        report.Tables.Add(("Catch-up by central store:", table));
        report.Notes.Add($"The retry wait after the heal is a random draw (full jitter, up to the {RetryCeiling.TotalSeconds:0} s ceiling): one run shows one draw, " +
            $"between 0 and {RetryCeiling.TotalSeconds:0} s whatever the store. The upload part is what the " +
            $"store and central decide. Upload in this run: {string.Join("; ", uploads)} from the heal, depending on the draw.");
        return report;
    }

    private static async Task<CatchUpResult> MeasureAsync(BenchEnvironment environment, string store, CancellationToken cancellationToken)
    {
        var o = environment.Options;
        await using var central = await BenchCentral.StartAsync(environment, store, "catchup", cancellationToken: cancellationToken);
        var attendees = await central.RegisterAsync(o.CatchUpEntries, "C", cancellationToken);
        await using var proxy = FaultProxy.Start(central.Address);
        var clock = new ShiftedTimeProvider(-o.PartitionAge);
        await using var edge = await BenchEdge.StartAsync(environment, central, EdgeId, proxy.Address, clock, cancellationToken);
        var sync = edge.StartSync();
        await Await.WithinAsync(edge.WaitOnlineAsync, TimeSpan.FromSeconds(60), "the edge's uplink to come online", cancellationToken);

        proxy.Partition();
        var cut = Stopwatch.StartNew();
        var plan = ScanPlan.Create(attendees, o.CatchUpEntries, RepeatShare, JunkShare, BenchEdge.Gates.Count, o.Seed);
        var reasons = new ConcurrentDictionary<ScanReason, int>();
        var scanning = Stopwatch.StartNew();
        await Parallel.ForEachAsync(plan, new ParallelOptions { MaxDegreeOfParallelism = ScansInFlight, CancellationToken = cancellationToken }, async (scan, _) =>
        {
            var result = await edge.EnterAsync(scan.Token, scan.GateId, scan.Nonce);
            reasons.AddOrUpdate(result.Reason, 1, (_, n) => n + 1);
        });
        var scanned = scanning.Elapsed;
        var last = edge.Silo.Journal.LastSequence;
        if (cut.Elapsed < o.PartitionHold)
        {
            // Deliberately idle: the partition is held this long so the uplink's retry delay reaches its ceiling.
            await Task.Delay(o.PartitionHold - cut.Elapsed, cancellationToken);
        }

        var held = cut.Elapsed;
        var healedAt = clock.GetUtcNow();
        var heal = Stopwatch.StartNew();
        proxy.Heal();
        await Await.WithinAsync(ct => sync.WaitForAsync(s => s.LastUploadAt >= healedAt, ct), TimeSpan.FromSeconds(60),
            "central's first answer to the uplink after the heal", cancellationToken);
        var firstAnswer = heal.Elapsed;
        await Await.WithinAsync(ct => sync.WaitForAsync(s => s.UploadedSequence >= last, ct), TimeSpan.FromMinutes(10),
            $"central to hold the journal up to {last:N0}", cancellationToken);
        var caughtUp = heal.Elapsed;

        var contiguous = await central.Silo.Store.GetContiguousSequenceAsync(EdgeId, cancellationToken);
        var totals = await central.Silo.Store.GetTotalsAsync(cancellationToken);
        var admitted = reasons.GetValueOrDefault(ScanReason.Admitted);
        var problems = new List<string>();
        if (last != o.CatchUpEntries)
        {
            problems.Add($"journal ends at {last:N0}, {o.CatchUpEntries:N0} scanned");
        }

        if (contiguous != last || totals.ByEdge.GetValueOrDefault(EdgeId) != last)
        {
            problems.Add($"central holds {totals.ByEdge.GetValueOrDefault(EdgeId):N0}, contiguous to {contiguous:N0}, journal ends at {last:N0}");
        }

        if (central.Silo.Reconciler.Admitted != admitted)
        {
            problems.Add($"central counts {central.Silo.Reconciler.Admitted:N0} admitted, the edge admitted {admitted:N0}");
        }

        if (totals.Late != last && o.PartitionAge > TimeSpan.FromMinutes(1))
        {
            problems.Add($"{totals.Late:N0} of {last:N0} entries marked late");
        }

        var mix = string.Join(", ", reasons.OrderByDescending(r => r.Value).Select(r => $"{r.Value:N0} {r.Key.Code()}"));
        environment.Console.WriteLine($"  scanned {plan.Count:N0} while cut off in {Units.Seconds(scanned)}: {mix}");
        return new CatchUpResult(last, scanned, held, firstAnswer, caughtUp, totals.Late, problems.Count == 0 ? "ok" : "MISMATCH: " + string.Join("; ", problems));
    }

    private sealed record CatchUpResult(long Entries, TimeSpan Scanning, TimeSpan Held, TimeSpan FirstAnswer, TimeSpan CaughtUp, long Late, string Check);
}
