using System.Diagnostics;
using System.Runtime;
using Venue.Domain.Leaderboards;
using Venue.Runtime;
using Venue.LoadHarness.Load;
using Venue.LoadHarness.Reporting;
using Venue.TelemetryBench.Floor;
using Venue.TelemetryBench.Reporting;

namespace Venue.TelemetryBench.Scenarios;

/// <summary>
/// Score updates to a leaderboard, <c>--concurrent</c> at once, round after round: through the
/// grain runtime to the edge's <see cref="LeaderboardGrain"/>s (the booth board and the attendee
/// board), and the same workload on a plain lock around a sorted set.
/// </summary>
internal static class LeaderboardScenario
{
    public const string Name = "leaderboard";

    public static async Task<Section> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var o = context.Options;
        var section = new Section(Name, "Score updates to a leaderboard");
        var table = new TextTable("board", "entries", "updates", "p50", "p99", "p99.9", "max", "p99 from the call", "round, p50 / max", "updates/s", "allocated per update", "GC pauses in the rounds (gen0/1/2)", "warm-up", "p99: peer ÷ Venue", "rank lookup (`GetRankAsync`), mean", "read back");
        var random = new Random(o.Seed);
        var booths = Enumerable.Range(1, o.BoardBooths).Select(b => $"booth-{b:D3}").ToArray();
        var attendees = Enumerable.Range(0, o.BoardAttendees).Select(a => $"A{a:D7}").ToArray();
        var rounds = o.Rounds;
        var n = o.Concurrent;
        // The same updates for every board implementation: (entry, points), each with a reason of its own so every one applies.
        (int Entry, int Points)[] Workload(int entries) => [.. Enumerable.Range(0, rounds * n).Select(_ => (random.Next(entries), 1 + random.Next(25)))];
        var boothWork = Workload(booths.Length);
        var attendeeWork = Workload(attendees.Length);
        var seedBooths = booths.Select(_ => 1 + random.Next(500)).ToArray();
        var seedAttendees = attendees.Select(_ => 1 + random.Next(200)).ToArray();

        await using (var edge = await BenchEdge.StartAsync(context.Floor, context.NewDirectory("leaderboard")))
        {
            foreach (var (label, ids, seeds, work, board) in new[]
            {
                ("booth board (`booths`)", booths, seedBooths, boothWork, LeaderboardNames.Booths),
                ("attendee board (`attendees`)", attendees, seedAttendees, attendeeWork, LeaderboardNames.Attendees),
            })
            {
                context.Console.WriteLine($"  grain, {label}: {ids.Length:N0} entries, {rounds} rounds of {n} ...");
                var grain = edge.Silo.Grains.GetGrain<ILeaderboardGrain>(board);
                for (var i = 0; i < ids.Length; i++)
                {
                    await grain.AddPointsAsync(ids[i], seeds[i], "seed");
                }

                var grainBoard = new GrainBoard(grain);
                var result = await RunRoundsAsync(grainBoard, ids, work, rounds, n, fromPool: true);
                var rank = await RankCostAsync(grainBoard, ids, random);
                var check = await ReadBackAsync(grainBoard, ids, seeds, work);
                var peer = new LockedSortedBoard();
                for (var i = 0; i < ids.Length; i++)
                {
                    await peer.AddPointsAsync(ids[i], seeds[i], "seed");
                }

                context.Console.WriteLine($"  peer, {label} ...");
                // At least as many warm-up rounds as the grain had: every warm award stays in both boards, so both start with as much.
                var peerResult = await RunRoundsAsync(peer, ids, work, rounds, n, fromPool: true, minWarmRounds: result.WarmRounds);
                var peerRank = await RankCostAsync(peer, ids, random);
                var peerCheck = await ReadBackAsync(peer, ids, seeds, work);
                table.Add([$"Venue `LeaderboardGrain` through the grain runtime, {label}", Units.Count(ids.Length), .. Cells(result), "1.00×", Units.Micros(rank), check]);
                table.Add([$"peer: `lock` + `SortedSet` + dictionaries, rank by counting the set's view, {label}", Units.Count(ids.Length), .. Cells(peerResult),
                    Units.Ratio(peerResult.Latency.P99 / result.Latency.P99), Units.Micros(peerRank), peerCheck]);
                foreach (var c in new[] { check, peerCheck }.Where(c => !c.StartsWith("ok", StringComparison.Ordinal)))
                {
                    section.Failures.Add($"{label}: {c}");
                }

                if (board == LeaderboardNames.Booths)
                {
                    // The method's own floor: the same rounds to a board that does nothing.
                    var none = await RunRoundsAsync(new NullBoard(), ids, work, rounds, n, fromPool: true);
                    table.Add(["floor: a board that does nothing, called the same way", "-", .. Cells(none), "-", "-", "-"]);

                    // A grain doing 1 µs per turn and nothing else, called the same way: the queue's own cost.
                    await using (var probes = new GrainRuntimeBuilder().AddGrain<IProbeGrain, ProbeGrain>(() => new ProbeGrain()).Build())
                    {
                        var probe = await RunRoundsAsync(new ProbeBoard(probes.GetGrain<IProbeGrain>("probe")), ids, work, rounds, n, fromPool: true);
                        table.Add(["probe: a grain whose turn spins 1 µs and does nothing else, called the same way", "-", .. Cells(probe), "-", "-", "-"]);
                        section.Notes.Add($"The probe's round lasts {Units.Micros(probe.RoundMedian)} at the median for {n} turns of 1 µs: {Units.Micros(probe.RoundMedian / n - 1)} per turn beyond its work is the runtime's queueing and the callers' hops, which the grain's rounds pay too.");
                    }

                    // The same calls issued from one thread: each finds the grain idle and runs inline, the grain's cost without queueing.
                    var inline = await RunRoundsAsync(grainBoard, ids, work, rounds, n, fromPool: false, reasonPrefix: "i");
                    table.Add([$"Venue `LeaderboardGrain`, {label}, the same rounds issued from one thread (no contention)", Units.Count(ids.Length), .. Cells(inline),
                        "-", "-", "(scores not read back)"]);

                    context.Goals.Add(new GoalLine($"booth score update to leaderboard, p99, at {n} concurrent updates", "≤ 1 ms",
                        Units.Micros(result.Latency.P99), result.Latency.P99 <= 1000,
                        $"lock + SortedSet: {Units.Micros(peerResult.Latency.P99)}",
                        $"{Units.Ratio(peerResult.Latency.P99 / result.Latency.P99)} lock + SortedSet"));
                }
                else
                {
                    section.Notes.Add($"The attendee board ({ids.Length:N0} entries) under the same {n} concurrent updates: p99 {Units.Micros(result.Latency.P99)} through the grain, {Units.Micros(peerResult.Latency.P99)} with the lock and sorted set.");
                }
            }
        }

        section.Tables.Add(($"Microseconds unless marked. {rounds} rounds of {n} updates issued at once; each update's latency from its own call to its answer.", table));
        section.Method.AddRange(
        [
            $"Venue: the edge's own `LeaderboardGrain`s, reached through `silo.Grains` (the grain runtime as the edge wires it: in-memory state, `WriteStateAsync`, a `LeaderboardChanged` event per applied award on the `leaderboards` stream). The booth board starts with {booths.Length} booths, the attendee board with {attendees.Length:N0} attendees, seeded with random scores.",
            $"A round issues {n} `AddPointsAsync` calls at once, each from a thread-pool work item of its own as concurrent callers would (random entries, 1 to 25 points, a distinct reason each so every award applies), then awaits them all; {rounds} rounds. Every call's latency is taken from just before the call to its continuation; the grain runs the calls one at a time (each completes without yielding, so a call that finds the grain idle runs inline on its caller's thread, the others queue), so a round's last call may wait for all before it. Latency includes the thread pool's queueing, for both designs alike; the column \"p99 from the call\" starts the clock when the caller's work item runs and makes the call instead, so it leaves out the wait for a thread (the lock's callers queue there, the grain's callers queue in its mailbox). Before the measured rounds, warm-up rounds run the same code with awards of their own (1 point each, a reason the read back accounts for) for at least a second and until the JIT has compiled nothing for half a second (at most 15 s), so that the measured code is the JIT's optimized code; the peer warms up for at least as many rounds as the grain did, so both boards hold as many warm awards. The warm-up column gives its length and the methods the JIT still compiled during the measured rounds. (A fixed second of warm-up that did not run the timing code left about 20 methods to compile in the rounds on 2026-12-07, and the grain's rounds took 800 µs at the median against 200 µs once they were compiled.) \"Allocated per update\" is every thread's allocation during the measured rounds over the updates, the harness's share included (the floor row shows that share).",
            "Peer, the same workload and the same dedup rule: a `Dictionary` of scores, a `HashSet` of (entry, reason) awards and a `SortedSet` of (score, order reached, id) behind one `lock`, called the same way, the rank counted from the sorted set's view up to the entry (what a `SortedSet` offers; the grain's treap ranks in O(log n)).",
            "For the booth board also the same rounds issued from one thread without the thread pool: every call then finds the grain idle and runs inline on the caller's thread, which is the grain's own cost per update without any queueing.",
            "For the booth board also a probe: a grain of its own runtime whose turn spins 1 µs and keeps nothing, called in the same rounds the same way. Its round is what queueing that many calls on one activation costs with a known microsecond of work per turn.",
            "Rank lookup: 10,000 `GetRankAsync` calls one after another on random entries, mean per call, and the peer's rank count. Read back: each entry's score equals its seed plus every award made to it, on both.",
        ]);
        return section;
    }

    /// <summary>The least time rounds of warm-up awards run before the measured ones.</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(1);

    /// <summary>How long the JIT must have compiled nothing before the warm-up ends.</summary>
    private static readonly TimeSpan JitQuiet = TimeSpan.FromMilliseconds(500);

    /// <summary>The warm-up ends here even if the JIT is still compiling (the table shows how many methods it compiled in the rounds).</summary>
    private static readonly TimeSpan WarmUpLimit = TimeSpan.FromSeconds(15);

    private static async Task<Rounds> RunRoundsAsync(IBoard board, string[] ids, (int Entry, int Points)[] work, int rounds, int n,
        bool fromPool, string reasonPrefix = "r", int minWarmRounds = 0)
    {
        var calls = new Task[n];
        var fromIssue = new LatencyRecorder(rounds * n);
        var fromCall = new LatencyRecorder(rounds * n);

        // One round: n awards issued at once, each timed from its issue and from its call. The warm-up runs
        // this same code with awards of its own (1 point each to the first entries, a "warm-" reason the
        // read back accounts for), so that no method the measured rounds run is first called in them.
        async Task<double> RoundAsync(int round, bool warm)
        {
            var roundStarted = Stopwatch.GetTimestamp();
            for (var i = 0; i < n; i++)
            {
                var (entry, points) = warm ? (i % ids.Length, 1) : work[(round * n) + i];
                var id = ids[entry];
                var reason = warm ? $"warm-{reasonPrefix}{round}-{i}" : $"{reasonPrefix}{round}-{i}";
                var issued = Stopwatch.GetTimestamp();
                // Each update from a thread-pool work item of its own, as concurrent callers (booth grains, requests) would make it.
                calls[i] = fromPool
                    ? Task.Run(() => TimedAsync(board, id, points, reason, issued, fromIssue, fromCall))
                    : TimedAsync(board, id, points, reason, issued, fromIssue, fromCall);
            }

            await Task.WhenAll(calls);
            return Stopwatch.GetElapsedTime(roundStarted).TotalMicroseconds;
        }

        // Warm up for at least a second and until the JIT has compiled nothing for half a second: a method
        // promoted to its optimized tier in the middle of the measured rounds ran its slow code until then,
        // and its compilation took a core from them (on 2026-12-07 a fixed second left about 20 methods to
        // compile in the rounds, whose median then lasted 800 µs against 200 µs once they were done).
        var warmClock = Stopwatch.StartNew();
        var compiled = JitInfo.GetCompiledMethodCount();
        var lastCompile = TimeSpan.Zero;
        var w = 0;
        for (; w == 0 || w < minWarmRounds || warmClock.Elapsed < WarmUp || (warmClock.Elapsed - lastCompile < JitQuiet && warmClock.Elapsed < WarmUpLimit); w++)
        {
            await RoundAsync(w, warm: true);
            fromIssue.Clear();
            fromCall.Clear();
            if (JitInfo.GetCompiledMethodCount() is var now && now != compiled)
            {
                compiled = now;
                lastCompile = warmClock.Elapsed;
            }
        }

        var warmUp = warmClock.Elapsed;
        var compiledInWarmUp = compiled;
        InProcessScenario.SettleGc();
        var roundTimes = new double[rounds];
        var gc = GcActivity.Now();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++)
        {
            roundTimes[round] = await RoundAsync(round, warm: false);
        }

        var elapsed = clock.Elapsed;
        var compiledInRounds = (int)(JitInfo.GetCompiledMethodCount() - compiledInWarmUp);
        var bytesPerUpdate = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)(rounds * n);
        Array.Sort(roundTimes);
        return new Rounds(fromIssue.Summarize(), fromCall.Summarize(), rounds * n / elapsed.TotalSeconds, GcActivity.Now().Since(gc), roundTimes[rounds / 2], roundTimes[^1],
            bytesPerUpdate, warmUp, w, compiledInRounds);
    }

    /// <summary>
    /// What a run of rounds measured; a round lasts from its first issue to its last answer. <paramref name="Latency"/> is from each
    /// update's issue (the goal's figure), <paramref name="FromCall"/> from the moment its caller ran and made the call.
    /// </summary>
    private sealed record Rounds(LatencySummary Latency, LatencySummary FromCall, double Rate, GcActivity Gc, double RoundMedian, double RoundMax,
        double BytesPerUpdate, TimeSpan WarmUp, int WarmRounds, int CompiledInRounds);

    /// <summary>A run of rounds as table cells: updates, p50, p99, p99.9, max, p99 from the call, round p50 / max, updates/s, bytes, GC pauses, warm-up.</summary>
    private static string[] Cells(Rounds r) =>
        [Units.Count(r.Latency.Count), Units.Micros(r.Latency.P50), Units.Micros(r.Latency.P99), Units.Micros(r.Latency.P999), Units.Micros(r.Latency.Max),
            Units.Micros(r.FromCall.P99), $"{Units.Micros(r.RoundMedian)} / {Units.Micros(r.RoundMax)}", Units.PerSecond(r.Rate), $"{r.BytesPerUpdate:N0} B", r.Gc.ToString(),
            $"{r.WarmUp.TotalSeconds:N1} s ({r.WarmRounds:N0} rounds), {r.CompiledInRounds} compiled in the rounds"];

    private static async Task TimedAsync(IBoard board, string id, long points, string reason, long issued, LatencyRecorder fromIssue, LatencyRecorder fromCall)
    {
        var called = Stopwatch.GetTimestamp();
        await board.AddPointsAsync(id, points, reason);
        var answered = Stopwatch.GetTimestamp();
        fromCall.Record(answered - called);
        fromIssue.Record(answered - issued);
    }

    private static async Task<double> RankCostAsync(IBoard board, string[] ids, Random random)
    {
        const int lookups = 10_000;
        var picks = Enumerable.Range(0, lookups).Select(_ => ids[random.Next(ids.Length)]).ToArray();
        var clock = Stopwatch.StartNew();
        foreach (var id in picks)
        {
            await board.RankAsync(id);
        }

        return clock.Elapsed.TotalMicroseconds / lookups;
    }

    private static async Task<string> ReadBackAsync(IBoard board, string[] ids, int[] seeds, (int Entry, int Points)[] work)
    {
        var want = seeds.Select(s => (long)s).ToArray();
        foreach (var (entry, points) in work)
        {
            want[entry] += points;
        }

        var wrong = 0;
        for (var i = 0; i < ids.Length; i++)
        {
            var warm = board.Warm(ids[i]);
            if (await board.ScoreAsync(ids[i]) != want[i] + warm)
            {
                wrong++;
            }
        }

        return wrong == 0 ? $"ok: all {ids.Length:N0} scores" : $"{wrong:N0} scores wrong";
    }

    /// <summary>What both boards offer the rounds: an award answering the new score, a rank, a score.</summary>
    private interface IBoard
    {
        Task<long> AddPointsAsync(string id, long points, string reason);

        Task<int> RankAsync(string id);

        Task<long> ScoreAsync(string id);

        /// <summary>Warm-up points given to an entry.</summary>
        long Warm(string id);
    }

    private sealed class GrainBoard(ILeaderboardGrain grain) : IBoard
    {
        private readonly Dictionary<string, long> _warm = new(StringComparer.Ordinal);

        public async Task<long> AddPointsAsync(string id, long points, string reason)
        {
            if (reason.StartsWith("warm-", StringComparison.Ordinal))
            {
                lock (_warm)
                {
                    _warm[id] = _warm.GetValueOrDefault(id) + points;
                }
            }

            return (await grain.AddPointsAsync(id, points, reason)).Entry.Score;
        }

        public async Task<int> RankAsync(string id) => (await grain.GetRankAsync(id))?.Rank ?? 0;

        public async Task<long> ScoreAsync(string id) => (await grain.GetRankAsync(id))?.Score ?? 0;

        public long Warm(string id) => _warm.GetValueOrDefault(id);
    }

    private sealed class NullBoard : IBoard
    {
        public Task<long> AddPointsAsync(string id, long points, string reason) => Task.FromResult(points);

        public Task<int> RankAsync(string id) => Task.FromResult(0);

        public Task<long> ScoreAsync(string id) => Task.FromResult(0L);

        public long Warm(string id) => 0;
    }

    /// <summary>Calls the probe grain in place of an award; it keeps no board.</summary>
    private sealed class ProbeBoard(IProbeGrain grain) : IBoard
    {
        public Task<long> AddPointsAsync(string id, long points, string reason) => grain.SpinAsync(points);

        public Task<int> RankAsync(string id) => Task.FromResult(0);

        public Task<long> ScoreAsync(string id) => Task.FromResult(0L);

        public long Warm(string id) => 0;
    }

    /// <summary>The plain design: one lock around a sorted set and two dictionaries.</summary>
    private sealed class LockedSortedBoard : IBoard
    {
        private readonly object _gate = new();
        private readonly Dictionary<string, (long Score, long Order)> _entries = new(StringComparer.Ordinal);
        private readonly HashSet<(string, string)> _awards = [];
        private readonly SortedSet<(long Score, long Order, string Id)> _ranking = new(Comparer<(long Score, long Order, string Id)>.Create(static (x, y) =>
        {
            var c = y.Score.CompareTo(x.Score);
            if (c == 0)
            {
                c = x.Order.CompareTo(y.Order);
            }

            return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
        }));
        private readonly Dictionary<string, long> _warm = new(StringComparer.Ordinal);
        private long _order;

        public Task<long> AddPointsAsync(string id, long points, string reason) => Task.FromResult(Add(id, points, reason));

        private long Add(string id, long points, string reason)
        {
            lock (_gate)
            {
                if (reason.StartsWith("warm-", StringComparison.Ordinal))
                {
                    _warm[id] = _warm.GetValueOrDefault(id) + points;
                }

                if (!_awards.Add((id, reason)))
                {
                    return _entries.TryGetValue(id, out var held) ? held.Score : 0;
                }

                var score = points;
                if (_entries.TryGetValue(id, out var old))
                {
                    _ranking.Remove((old.Score, old.Order, id));
                    score += old.Score;
                }

                var entry = (score, ++_order);
                _entries[id] = entry;
                _ranking.Add((score, entry.Item2, id));
                _ = Rank(id);
                return score;
            }
        }

        public Task<int> RankAsync(string id) => Task.Run(() =>
        {
            lock (_gate)
            {
                return Rank(id);
            }
        });

        private int Rank(string id)
        {
            if (!_entries.TryGetValue(id, out var e))
            {
                return 0;
            }

            return _ranking.GetViewBetween(_ranking.Min, (e.Score, e.Order, id)).Count;
        }

        public Task<long> ScoreAsync(string id)
        {
            lock (_gate)
            {
                return Task.FromResult(_entries.TryGetValue(id, out var e) ? e.Score : 0);
            }
        }

        public long Warm(string id)
        {
            lock (_gate)
            {
                return _warm.GetValueOrDefault(id);
            }
        }
    }
}
