using System.Globalization;
using System.Text;
using Venue.LoadHarness.Reporting;

namespace Venue.LoadHarness.ConsoleLoad;

/// <summary>A console benchmark run: its levels, the machine, and the tables written from them.</summary>
internal sealed record ConsoleLoadReport(
    ConsoleLoadOptions Options,
    MachineInfo Machine,
    IReadOnlyList<LevelResult> Levels,
    IReadOnlyList<string> EdgeFacts,
    string Warmup,
    DateTimeOffset Started,
    DateTimeOffset Finished,
    string LoadBefore,
    string LoadAfter)
{
    /// <summary>The check-in issue's goal for the scanner round trip over HTTP on loopback, p99.</summary>
    public const double ScanGoalMicroseconds = 2_000;

    /// <summary>The console issue's goal for event to browser on loopback, p99.</summary>
    public const double EventGoalMicroseconds = 100_000;

    /// <summary>The first level without clients: the peer every level's scan p99 is divided by.</summary>
    public LevelResult? Peer => Levels.FirstOrDefault(l => l.Clients == 0);

    public string Text()
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine($"Scans at a fixed {Options.Rate:N0}/s for {Options.Seconds:0.#} s per level (open loop, µs from each scan's due time)");
        text.AppendLine(ScanTable().ToText());
        text.AppendLine("Console stream clients listening during the same phase");
        text.AppendLine(StreamTable().ToText());
        text.AppendLine(GoalTable().ToText());
        text.AppendLine($"load average before {LoadBefore}, after {LoadAfter} ({Machine.Cores} cores)");
        return text.ToString();
    }

    public string Markdown()
    {
        var o = Options;
        var m = Machine;
        var md = new StringBuilder();
        md.AppendLine("# Console load: live-stream clients on one edge under scan load");
        md.AppendLine();
        md.AppendLine($"Run {Started:yyyy-MM-dd HH:mm} UTC, {(Finished - Started).TotalSeconds:0} s.");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(o.CommandLine);
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("| machine | |");
        md.AppendLine("| --- | --- |");
        md.AppendLine($"| CPU | {m.Cpu} |");
        md.AppendLine($"| cores | {m.Cores} |");
        md.AppendLine($"| memory | {m.Memory} |");
        md.AppendLine($"| OS | {m.OperatingSystem} |");
        md.AppendLine($"| .NET | {m.Runtime}, GC {m.Gc} (harness) |");
        md.AppendLine($"| load average (1, 5, 15 min) | {LoadBefore} before, {LoadAfter} after |");
        md.AppendLine();
        // venue-http's fact speaks of its own per-phase restarts; here one process serves every level.
        var facts = string.Join("; ", EdgeFacts).Replace("; a fresh process and data directory for every phase", "", StringComparison.Ordinal);
        md.AppendLine($"One `venue edge` process for every level ({facts}). {Warmup}. Then, per level in the order of the table, " +
            $"N clients open `GET /console/api/stream` with an ops bearer token and listen while the harness offers {o.Rate:N0} scans/s for " +
            $"{o.Seconds:0.#} s over HTTP ({o.Gates} gates, {o.RepeatShare:P0} repeats, seed {o.Seed}; each level on attendees no earlier level used); " +
            "then they disconnect. The clients run in the harness' process, on the same 2 cores as the edge and the load generator.");
        md.AppendLine();
        md.AppendLine("## Scans");
        md.AppendLine();
        md.AppendLine("Microseconds, from each scan's due time (open loop: a stall is charged to every scan queued behind it). " +
            "Server-Timing is the edge's own time per scan. The ratio divides by the first level with no client.");
        md.AppendLine();
        md.Append(ScanTable().ToMarkdown());
        md.AppendLine();
        md.AppendLine("## Streams");
        md.AppendLine();
        md.AppendLine("Scan events per client per second: scan events of the phase (journal entries after the phase's first) each client received, " +
            "÷ the phase's length; the median client and the slowest. *Complete*: clients that received every scan the edge journaled in the phase. " +
            "*Resyncs*: `resync` events (reason); a resynced client reloads the snapshot and resumes after it, as the page does. " +
            "*Holes*: events whose `seq` was not one more than the last. *Event → client*: the event's `ts` (the edge's publish time) to its arrival, " +
            $"sampled every n-th event of every client (n in brackets). *Scan → client*: from the harness sending the scan to its event reaching one of the first {o.ProbeClients} clients " +
            "(journal commit, the console's journal follower, the fan-out and the client's read). CPU: share of one core over the phase and its drain.");
        md.AppendLine();
        md.Append(StreamTable().ToMarkdown());
        md.AppendLine();
        md.AppendLine("## Against the goals");
        md.AppendLine();
        md.Append(GoalTable().ToMarkdown());
        var failures = Levels.SelectMany(l => l.Failures.Select(f => $"{l.Clients} clients: {f}")).Distinct().Take(10).ToList();
        if (failures.Count > 0)
        {
            md.AppendLine();
            md.AppendLine("Client failures: " + string.Join("; ", failures));
        }

        return md.ToString();
    }

    private TextTable ScanTable()
    {
        var table = new TextTable("clients", "scan p50", "scan p99", "p99 ÷ 0 clients", "Server-Timing p50", "Server-Timing p99", "answered / scheduled", "pacer lag p99", "load avg at start");
        foreach (var l in Levels)
        {
            // With abandoned scans the percentiles are lower bounds: those scans waited at least that long.
            var bound = l.Scans.LowerBound ? "≥ " : "";
            table.Add(l.Clients.ToString(CultureInfo.InvariantCulture), bound + N(l.Scans.Latency.P50), bound + N(l.Scans.Latency.P99),
                Peer is { } peer ? $"{l.Scans.Latency.P99 / peer.Scans.Latency.P99:0.00}×" : "-",
                N(l.ServerTiming.P50), N(l.ServerTiming.P99), $"{l.Scans.Answered:N0} / {l.Scans.Scheduled:N0}", N(l.Scans.Lag.P99), l.LoadAverage);
        }

        return table;
    }

    private TextTable StreamTable()
    {
        var table = new TextTable("clients", "scans journaled", "scan events/client/s, median / slowest", "complete", "resyncs", "holes",
            "event → client p50 / p99 ms", "scan → client p50 / p99 ms", "MB/client", "edge CPU", "harness CPU");
        foreach (var l in Levels)
        {
            var (median, min) = l.EventsPerClientPerSecond;
            var none = l.Clients == 0;
            table.Add(l.Clients.ToString(CultureInfo.InvariantCulture), l.JournalEntries.ToString("N0", CultureInfo.InvariantCulture),
                none ? "-" : $"{median:N0} / {min:N0}",
                none ? "-" : $"{l.CompleteClients} / {l.Clients}",
                none ? "-" : Resyncs(l),
                none ? "-" : l.Holes.ToString("N0", CultureInfo.InvariantCulture),
                none ? "-" : $"{Ms(l.PublishToClient.P50)} / {Ms(l.PublishToClient.P99)} (1 in {l.SampleEvery})",
                none ? "-" : $"{Ms(l.SendToClient.P50)} / {Ms(l.SendToClient.P99)}",
                none ? "-" : (l.BytesPerClient / 1e6).ToString("0.0", CultureInfo.InvariantCulture),
                Share(l.EdgeCpu, l.Wall), Share(l.HarnessCpu, l.Wall));
        }

        return table;
    }

    private TextTable GoalTable()
    {
        var table = new TextTable("figure", "goal", "measured", "met");
        var rate = Options.Rate.ToString("N0", CultureInfo.InvariantCulture);
        // A level counts when every scan was answered, every client kept up (every scan, no resync) and
        // the scans stayed within the check-in goal. With scans left unanswered the edge published fewer
        // events than the offered rate, so its clients had less to keep up with.
        static bool KeptUp(LevelResult l) => l.Clients > 0 && l.CompleteClients == l.Clients && l.Resyncs.Count == 0 && l.Failures.Count == 0
            && l.Scans.Abandoned == 0 && l.Scans.Errors == 0;
        var held = Levels.Where(l => KeptUp(l) && l.Scans.Latency.P99 <= ScanGoalMicroseconds).Select(l => l.Clients).DefaultIfEmpty(0).Max();
        var kept = Levels.Where(KeptUp).Select(l => l.Clients).DefaultIfEmpty(0).Max();
        table.Add($"console clients on one edge at {rate} scans/s, scan p99 within the check-in goal", "≥ 200, p99 ≤ 2 ms",
            $"{held} (every scan answered and every client kept up with up to {kept}; scan p99 with no client {N(Peer?.Scans.Latency.P99 ?? double.NaN)} µs)", held >= 200 ? "met" : "not met");
        foreach (var l in Levels.Where(l => l.Clients > 0))
        {
            table.Add($"event to client, p99, loopback, {l.Clients} clients", "≤ 100 ms", $"{Ms(l.PublishToClient.P99)} ms (scan sent → client {Ms(l.SendToClient.P99)} ms)",
                l.PublishToClient.P99 <= EventGoalMicroseconds ? "met" : "not met");
        }

        return table;
    }

    private static string Resyncs(LevelResult l) =>
        l.Resyncs.Count == 0 ? "0" : $"{l.Resyncs.Count} ({string.Join(", ", l.Resyncs.GroupBy(r => r).Select(g => $"{g.Key} {g.Count()}"))})";

    private static string N(double microseconds) => double.IsNaN(microseconds) ? "-" : microseconds.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ms(double microseconds) => double.IsNaN(microseconds) ? "-" : (microseconds / 1000).ToString("0.0", CultureInfo.InvariantCulture);

    private static string Share(TimeSpan cpu, TimeSpan wall) => (cpu.TotalSeconds / wall.TotalSeconds).ToString("P0", CultureInfo.InvariantCulture);
}
