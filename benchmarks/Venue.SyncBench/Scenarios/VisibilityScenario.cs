using System.Diagnostics;
using Venue.Domain.CheckIn;
using Venue.LoadHarness.Reporting;
using Venue.Simulation;
using Venue.SyncBench.Hosting;
using Venue.SyncBench.Reporting;
using Venue.SyncBench.Workload;

namespace Venue.SyncBench.Scenarios;

/// <summary>
/// Edge-to-edge visibility with the link up: an admission at one edge, timed until the other edge
/// knows the attendee is inside (and refuses the badge as already inside), while both edges scan
/// other badges in the background.
/// </summary>
internal sealed class VisibilityScenario : ISyncScenario
{
    private static readonly TimeSpan SampleLimit = TimeSpan.FromSeconds(30);

    public string Name => "visibility";

    public async Task<ScenarioReport> RunAsync(BenchEnvironment environment, CancellationToken cancellationToken)
    {
        var o = environment.Options;
        var report = new ScenarioReport(Name, "Admission at edge A seen as already inside at edge B");
        var p99 = new Figure("admission at edge A visible as `already_inside` at edge B, link up, p99", "≤ 1 s", 1_000, higherIsBetter: false, Units.Millis);
        var table = new TextTable("central", "samples", "p50", "p95", "p99", "max", "from A's scan start, p99", "background scans", "B's answer afterwards");
        await PerStore.RunAsync(environment, report, async store =>
        {
            var r = await MeasureAsync(environment, store, cancellationToken);
            p99.Set(store, r.Latency.P99);
            table.Add(PerStore.Label(store), Units.Count(r.Latency.Count), Units.Millis(r.Latency.P50), Units.Millis(r.Latency.P95), Units.Millis(r.Latency.P99),
                Units.Millis(r.Latency.Max), Units.Millis(r.FromScanStart.P99), Units.Count(r.BackgroundScans), r.Check);
            environment.Console.WriteLine($"  p50 {Units.Millis(r.Latency.P50)}, p95 {Units.Millis(r.Latency.P95)}, p99 {Units.Millis(r.Latency.P99)}, " +
                $"max {Units.Millis(r.Latency.Max)}; {r.Check}");
        }, cancellationToken);

        report.Goals.Add(p99.ToLine());
        report.Method.Add("Central (a fresh store) and two edges, A and B, in the bench's process, each edge with its real uplink straight to " +
            "central (default `Edge:Central` settings: uploads coalesced for 10 ms after a commit, `/changes` long polls of up to 10 s). " +
            "Both edges start fresh, download the ledger and wait until online.");
        report.Method.Add($"Background: each edge scans other badges at {o.BackgroundRate:0.#} scans/s (10 % presented again), so uploads, " +
            "long polls and passages to apply are going on as at a live event.");
        report.Method.Add($"Sample: a badge never seen before is scanned at one edge (A and B take turns); from its admitted answer the clock runs " +
            "until the other edge's attendee grain says inside (`EdgeSilo.GetPresenceAsync`), checked each time that edge's uplink applies passages " +
            "from central (the uplink's progress signal, no polling). Then the badge is scanned at the other edge, which must answer `already_inside`. " +
            $"A random pause of 0 to 100 ms between samples keeps them from locking onto the uplink's rhythm; the first {Warmup(o.VisibilitySamples)} samples " +
            "are a warm-up and not counted.");
        report.Method.Add("The path being timed: A's journal commit wakes its uploader, 10 ms coalescing, `POST /v1/sync/journal`, central stores and " +
            "reconciles, the feed wakes B's waiting `GET /v1/sync/changes`, B applies the passage to the attendee's grain.");
        report.Tables.Add(("Milliseconds from A's admitted answer to B knowing the attendee is inside:", table));
        return report;
    }

    private static int Warmup(int samples) => Math.Min(10, samples / 5);

    private static async Task<VisibilityResult> MeasureAsync(BenchEnvironment environment, string store, CancellationToken cancellationToken)
    {
        var o = environment.Options;
        var warmup = Warmup(o.VisibilitySamples);
        var total = o.VisibilitySamples + warmup;
        // Enough background badges for the run at the offered rate: samples take well under a second each.
        var background = Math.Max(1_000, (int)(o.BackgroundRate * 2 * (total * 0.5 + 30)));
        await using var central = await BenchCentral.StartAsync(environment, store, "visibility", cancellationToken: cancellationToken);
        var sampleBadges = await central.RegisterAsync(total, "V", cancellationToken);
        var backgroundBadges = await central.RegisterAsync(background, "B", cancellationToken);
        await using var a = await BenchEdge.StartAsync(environment, central, "edge-a", cancellationToken: cancellationToken);
        await using var b = await BenchEdge.StartAsync(environment, central, "edge-b", cancellationToken: cancellationToken);
        a.StartSync();
        b.StartSync();
        await Await.WithinAsync(a.WaitOnlineAsync, TimeSpan.FromSeconds(60), "edge A to come online", cancellationToken);
        await Await.WithinAsync(b.WaitOnlineAsync, TimeSpan.FromSeconds(60), "edge B to come online", cancellationToken);

        using var stopBackground = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var half = backgroundBadges.Count / 2;
        var backgroundScans = new[]
        {
            BackgroundAsync(a, [.. backgroundBadges.Take(half)], o.BackgroundRate, o.Seed + 1, stopBackground.Token),
            BackgroundAsync(b, [.. backgroundBadges.Skip(half)], o.BackgroundRate, o.Seed + 2, stopBackground.Token),
        };

        var random = new Random(o.Seed);
        var latencies = new List<double>(o.VisibilitySamples);
        var fromStart = new List<double>(o.VisibilitySamples);
        var wrongAnswers = new List<string>();
        try
        {
            for (var i = 0; i < total; i++)
            {
                var (from, to) = i % 2 == 0 ? (a, b) : (b, a);
                var badge = sampleBadges[i];
                var started = Stopwatch.GetTimestamp();
                var admitted = await from.EnterAsync(badge.Token, "G01", $"sample-{i}");
                var answered = Stopwatch.GetTimestamp();
                if (admitted.Reason != ScanReason.Admitted)
                {
                    throw new InvalidOperationException($"Sample {i}: {badge.Id} at {from.EdgeId} answered {admitted.Reason.Code()}, not admitted.");
                }

                await Await.WithinAsync(ct => InsideAsync(to, badge.Id, ct), SampleLimit, $"{badge.Id} admitted at {from.EdgeId} to be inside at {to.EdgeId}",
                    cancellationToken);
                var seen = Stopwatch.GetTimestamp();
                var refused = await to.EnterAsync(badge.Token, "G02", $"sample-{i}-again");
                if (refused.Reason != ScanReason.AlreadyInside)
                {
                    wrongAnswers.Add($"{badge.Id} at {to.EdgeId}: {refused.Reason.Code()}");
                }

                if (i >= warmup)
                {
                    latencies.Add(Stopwatch.GetElapsedTime(answered, seen).TotalMilliseconds);
                    fromStart.Add(Stopwatch.GetElapsedTime(started, seen).TotalMilliseconds);
                }

                await Task.Delay(random.Next(0, 101), cancellationToken);
            }
        }
        finally
        {
            await stopBackground.CancelAsync();
        }

        var scans = (await Task.WhenAll(backgroundScans)).Sum();
        var check = wrongAnswers.Count == 0
            ? $"already_inside {o.VisibilitySamples + warmup} of {o.VisibilitySamples + warmup}"
            : $"WRONG: {string.Join("; ", wrongAnswers.Take(5))}";
        return new VisibilityResult(LatencySummary.Of(latencies), LatencySummary.Of(fromStart), scans, check);
    }

    /// <summary>Completes once the edge's attendee grain says inside; looks again each time the edge's uplink applies passages from central.</summary>
    private static async Task InsideAsync(BenchEdge edge, string attendeeId, CancellationToken cancellationToken)
    {
        while (true)
        {
            // Read the counter first: a passage applied between the two reads then still wakes the wait below.
            var applied = edge.Sync.GetStatus().RemotePassagesApplied;
            if ((await edge.Silo.GetPresenceAsync(attendeeId)).Inside)
            {
                return;
            }

            await edge.Sync.WaitForAsync(s => s.RemotePassagesApplied > applied, cancellationToken);
        }
    }

    /// <summary>Scans badges at a steady rate until stopped: 90 % first presentations, 10 % again. Returns the scans made.</summary>
    private static async Task<int> BackgroundAsync(BenchEdge edge, IReadOnlyList<BenchAttendee> badges, double rate, int seed, CancellationToken cancellationToken)
    {
        if (rate <= 0 || badges.Count == 0)
        {
            return 0;
        }

        var plan = ScanPlan.Create(badges, badges.Count, repeatShare: 0.1, junkShare: 0, BenchEdge.Gates.Count, seed);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1 / rate));
        var scans = 0;
        try
        {
            while (scans < plan.Count && await timer.WaitForNextTickAsync(cancellationToken))
            {
                var scan = plan[scans++];
                await edge.EnterAsync(scan.Token, scan.GateId, $"{edge.EdgeId}-{scan.Nonce}");
            }
        }
        catch (OperationCanceledException)
        {
            // Stopped: the samples are done.
        }

        return scans;
    }

    private sealed record VisibilityResult(LatencySummary Latency, LatencySummary FromScanStart, int BackgroundScans, string Check);
}
