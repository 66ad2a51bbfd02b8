using System.Globalization;
using System.Text;
using Venue.LoadHarness.Load;
using Venue.LoadHarness.Targets;

namespace Venue.LoadHarness.Reporting;

/// <summary>
/// Turns a run into two tables (fixed-rate latency, maximum throughput) with each target compared
/// to the Venue targets of the same run, and a markdown file that also says where and how it ran.
/// </summary>
internal static class ReportWriter
{
    public static string Text(HarnessReport report)
    {
        var text = new StringBuilder();
        text.AppendLine();
        foreach (var rate in report.Options.Rates)
        {
            text.AppendLine($"Latency at a fixed {rate:N0} checks/s for {report.Options.Seconds:0.#} s (open loop, µs from each check's due time)");
            text.AppendLine(LatencyTable(report, rate).ToText());
        }

        text.AppendLine($"Maximum throughput, {report.Options.Workers} workers for {report.Options.Seconds:0.#} s (closed loop)");
        text.AppendLine(ThroughputTable(report).ToText());
        foreach (var target in report.Targets.Where(t => t.Skipped is not null || t.Failed is not null))
        {
            text.AppendLine($"{target.Name}: {Status(target)}");
        }

        text.AppendLine();
        text.AppendLine($"load average before {report.LoadBefore}, after {report.LoadAfter} ({report.Machine.Cores} cores)");
        AppendNotes(text, report, markdown: false);
        return text.ToString();
    }

    public static string Markdown(HarnessReport report)
    {
        var o = report.Options;
        var m = report.Machine;
        var md = new StringBuilder();
        md.AppendLine("# Check-in load harness: Venue and its peers");
        md.AppendLine();
        md.AppendLine($"Run {report.Started:yyyy-MM-dd HH:mm} UTC, {(report.Finished - report.Started).TotalSeconds:0} s.");
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
        md.AppendLine($"| .NET | {m.Runtime}, GC {m.Gc} |");
        md.AppendLine($"| date | {report.Started:yyyy-MM-dd} |");
        md.AppendLine($"| load average (1, 5, 15 min) | {report.LoadBefore} before, {report.LoadAfter} after |");
        md.AppendLine();
        md.AppendLine($"Workload: {report.Workload.Ledger.Count:N0} attendees, {o.Gates} gates, seed {o.Seed}; attendees in a seeded random order, " +
            $"{o.RepeatShare:P0} of checks re-present a badge already presented; every target gets the same sequence, " +
            "starts each phase with nobody inside, and journals every scan, admitted or refused." +
            (report.Workload.FreshExhaustedAt > 0
                ? $" From check {report.Workload.FreshExhaustedAt:N0} on every attendee has been presented and all further checks would be repeats, " +
                  "so the throughput phase ends there if its time is not up first (the same mix for every target)."
                : ""));
        md.AppendLine();
        foreach (var rate in o.Rates)
        {
            md.AppendLine($"## Latency at a fixed {rate:N0} checks/s for {o.Seconds:0.#} s");
            md.AppendLine();
            md.AppendLine("Open loop: check *i* is due at *start + i / rate* whatever happened before, and its latency counts from that due time, " +
                "so a stall is charged to every check queued behind it (no coordinated omission). Microseconds.");
            md.AppendLine();
            md.Append(LatencyTable(report, rate).ToMarkdown());
            md.AppendLine();
        }

        md.AppendLine($"## Maximum throughput, {o.Workers} workers for {o.Seconds:0.#} s");
        md.AppendLine();
        md.AppendLine("Closed loop: each worker checks, awaits the answer, checks again. Latency here is per check, from send to answer.");
        md.AppendLine();
        md.Append(ThroughputTable(report).ToMarkdown());
        md.AppendLine();
        md.AppendLine("## Targets");
        md.AppendLine();
        foreach (var target in report.Targets)
        {
            var state = target.Skipped is not null ? $"skipped: {target.Skipped}"
                : target.Failed is not null ? $"failed: {target.Failed}"
                : $"ready in {target.SetupTime.TotalSeconds:0.0} s; {string.Join(", ", target.Facts)}";
            md.AppendLine($"- **{target.Name}**: {target.Description}. {state}");
        }

        md.AppendLine();
        AppendNotes(md, report, markdown: true);
        return md.ToString();
    }

    private static TextTable LatencyTable(HarnessReport report, double rate)
    {
        var references = References(report, t => t.AtRate(rate)?.Result.Latency.P99);
        var table = new TextTable([
            "target", "p50", "p95", "p99", "p99.9", "max", "answered", "errors", "pacer lag p99", "GC pause (gen0/1/2)", "admitted", "stored",
            .. references.Select(r => $"p99 ÷ {r.Name}")]);
        foreach (var target in report.Targets)
        {
            if (target.AtRate(rate) is not { } found)
            {
                continue;
            }

            var (f, check) = found;

            table.Add([
                target.Name, AtLeast(f, f.Latency.P50), AtLeast(f, f.Latency.P95), AtLeast(f, f.Latency.P99), AtLeast(f, f.Latency.P999), AtLeast(f, f.Latency.Max),
                $"{f.Answered:N0}/{f.Scheduled:N0}", $"{f.Errors:N0}", Micros(f.Lag.P99), f.Gc.ToString(), $"{f.Admitted:N0}", check,
                .. references.Select(r => TargetCatalog.IsCalibration(target.Name) ? "-" : LatencyRatio(f, r.Value))]);
        }

        return table;
    }

    private static TextTable ThroughputTable(HarnessReport report)
    {
        var references = References(report, t => t.Throughput?.ChecksPerSecond);
        var table = new TextTable([
            "target", "checks/s", "phase", "p50", "p99", "max", "answered", "errors", "GC pause (gen0/1/2)", "admitted", "stored",
            .. references.Select(r => $"{r.Name} ÷ target")]);
        foreach (var target in report.Targets)
        {
            if (target.Throughput is not { } t)
            {
                continue;
            }

            table.Add([
                target.Name, t.ChecksPerSecond.ToString("N0", CultureInfo.InvariantCulture),
                $"{t.Elapsed.TotalSeconds:0.0} s{(t.EndedAtLedgerEnd ? " (ledger end)" : "")}", Micros(t.Latency.P50), Micros(t.Latency.P99),
                Micros(t.Latency.Max), $"{t.Completed:N0}", $"{t.Errors:N0}", t.Gc.ToString(), $"{t.Admitted:N0}", target.ThroughputCheck ?? "",
                .. references.Select(r => TargetCatalog.IsCalibration(target.Name) ? "-" : t.Errors > 0 ? "n/c (errors)" : Ratio(r.Value, t.ChecksPerSecond))]);
        }

        return table;
    }

    private static void AppendNotes(StringBuilder text, HarnessReport report, bool markdown)
    {
        var bullet = markdown ? "- " : "  ";
        text.AppendLine(markdown ? "## Reading the tables" : "Notes");
        if (markdown)
        {
            text.AppendLine();
        }

        if (report.Targets.Any(t => TargetCatalog.IsVenue(t.Name) && t.FixedRates.Count > 0))
        {
            text.AppendLine($"{bullet}Ratios compare each target with the Venue targets of this same run: \"p99 ÷ venue-x\" is the target's p99 over " +
                "Venue's (above 1: Venue answers faster), \"venue-x ÷ target\" is Venue's throughput over the target's (above 1: Venue does more).");
        }
        else
        {
            text.AppendLine($"{bullet}No Venue target ran, so there are no ratios against Venue in this run.");
        }

        text.AppendLine($"{bullet}\"answered\" counts checks that got an answer; in the fixed-rate phase a target that cannot keep up answers late " +
            "(and its percentiles grow); checks still unanswered long after the phase are abandoned and counted in the percentiles at the time " +
            "they had waited, so a row with abandoned checks shows its percentiles as lower bounds (≥).");
        text.AppendLine($"{bullet}harness-floor is calibration, not a peer: an in-memory check-and-mark with nothing stored, so its figures are " +
            "the harness' own cost and the machine's noise at that moment; no figure of another target can be trusted below it.");
        if (report.Targets.Any(t => t.Name == "disk-floor"))
        {
            text.AppendLine($"{bullet}disk-floor is calibration too: the same check-and-mark plus a fixed-size record per check, group-committed " +
                "to a preallocated file with one fdatasync per round. It is the least any target that answers after the disk has the scan " +
                "must wait for here; no durable target's latency can be expected below it.");
        }
        text.AppendLine($"{bullet}\"errors\" are checks that failed; they are not in the percentiles, so a row with errors is not compared (n/c).");
        text.AppendLine($"{bullet}\"fell behind\" marks a target whose answers were still coming more than a twentieth of the phase (at least 100 ms) after " +
            "the last check was due: it could not keep up with the offered rate, its queue grew through the phase, and its latency (so its ratio) " +
            "grows with the phase's length.");
        text.AppendLine($"{bullet}\"phase\" is how long the throughput phase ran: its full time, or less when it reached the ledger's last fresh " +
            "attendee first (\"ledger end\"), so that every target gets the same share of repeats.");
        text.AppendLine($"{bullet}\"pacer lag\" is how late the load generator itself started checks; it is included in the latency.");
        text.AppendLine($"{bullet}\"GC pause\" is the harness process' garbage collection pause time in the phase (and collections per generation): " +
            "in-process targets and the load generator stop with it; out-of-process servers do not.");
        text.AppendLine($"{bullet}\"stored\" reads the target's own store back after the phase: attendees inside must equal admitted checks " +
            "(nobody admitted twice) and journal rows must equal answered checks; with every check answered, admitted checks must equal the " +
            "distinct attendees the phase presented (nobody wrongly refused).");
    }

    /// <summary>
    /// A target's p99 over Venue's. Not comparable when checks failed (failures are not in the
    /// percentiles); marked when the target fell behind the offered rate (its p99 then grows with the
    /// phase's length, so the ratio says more about the phase than about the target).
    /// </summary>
    private static string LatencyRatio(FixedRateResult f, double reference) =>
        f.Errors > 0 ? "n/c (errors)"
        : f.Overloaded ? $"{(f.LowerBound ? "≥ " : "")}{Ratio(f.Latency.P99, reference)} (fell behind)"
        : Ratio(f.Latency.P99, reference);

    private static List<(string Name, double Value)> References(HarnessReport report, Func<TargetResult, double?> value) =>
        report.Targets
            .Where(t => TargetCatalog.IsVenue(t.Name) && value(t) is > 0)
            .Select(t => (t.Name, value(t)!.Value))
            .ToList();

    private static string Status(TargetResult target) =>
        target.Skipped is not null ? $"skipped: {target.Skipped}" : $"failed: {target.Failed}";

    private static string AtLeast(FixedRateResult f, double value) => f.LowerBound ? $"≥ {Micros(value)}" : Micros(value);

    private static string Micros(double value) =>
        double.IsNaN(value) ? "-" : value < 100 ? value.ToString("0.0", CultureInfo.InvariantCulture) : value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Ratio(double numerator, double denominator) =>
        double.IsNaN(numerator) || double.IsNaN(denominator) || denominator <= 0
            ? "-"
            : (numerator / denominator).ToString(numerator / denominator >= 10 ? "0" : "0.00", CultureInfo.InvariantCulture) + "×";
}
