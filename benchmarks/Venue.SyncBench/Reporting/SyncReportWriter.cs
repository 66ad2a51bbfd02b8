using System.Text;
using Venue.LoadHarness.Reporting;

namespace Venue.SyncBench.Reporting;

/// <summary>The run as a summary table for the terminal, and as a markdown report that also says where, how and how it was measured.</summary>
internal static class SyncReportWriter
{
    public static string Text(SyncBenchReport report)
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine("Figures against the goals (verdict on the PostgreSQL central; ratio above 1: PostgreSQL does better than SQLite)");
        text.AppendLine(Summary(report).ToText());
        foreach (var scenario in report.Scenarios)
        {
            foreach (var failure in scenario.Failures)
            {
                text.AppendLine($"{scenario.Name}: {failure}");
            }
        }

        text.AppendLine($"load average before {report.LoadBefore}, after {report.LoadAfter} ({report.Machine.Cores} cores)");
        return text.ToString();
    }

    public static string Markdown(SyncBenchReport report)
    {
        var m = report.Machine;
        var md = new StringBuilder();
        md.AppendLine("# Sync bench: edge and central");
        md.AppendLine();
        md.AppendLine($"Run {report.Started:yyyy-MM-dd HH:mm} UTC, {(report.Finished - report.Started).TotalSeconds:0} s{(report.Options.Quick ? ", **quick sizes: a check that the bench works, not figures to quote**" : "")}.");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(report.Options.CommandLine);
        md.AppendLine("```");
        md.AppendLine();
        var machine = new TextTable("machine", "");
        machine.Add("CPU", m.Cpu);
        machine.Add("cores", m.Cores.ToString(System.Globalization.CultureInfo.InvariantCulture));
        machine.Add("memory", m.Memory);
        machine.Add("OS", m.OperatingSystem);
        machine.Add(".NET", $"{m.Runtime}, GC {m.Gc}");
        machine.Add("PostgreSQL", report.PostgresVersion is { } version
            ? $"{version}, started by the bench in a temporary directory: fsync on, synchronous_commit on, other settings default"
            : "not used in this run");
        machine.Add("date", $"{report.Started:yyyy-MM-dd}");
        machine.Add("load average (1, 5, 15 min)", $"{report.LoadBefore} before, {report.LoadAfter} after");
        md.Append(machine.ToMarkdown());
        md.AppendLine();
        md.AppendLine("Central runs in the bench's process behind real Kestrel on a loopback port (`CentralWebHost`), edges run in-process as `EdgeSilo`s " +
            "with their real uplink (`Edge:Central`), everything over real HTTP on 127.0.0.1. PostgreSQL runs as its own server processes; " +
            "so the bench, central and the edges share the machine's cores with it.");
        md.AppendLine();
        md.AppendLine("## Figures against the goals");
        md.AppendLine();
        md.AppendLine("The verdict is the PostgreSQL central's, the production store the goals are set for. The embedded SQLite central " +
            "is the peer, measured in the same run on the same machine; the last column is PostgreSQL's figure over SQLite's for rates " +
            "and SQLite's over PostgreSQL's for times, so above 1 always means the PostgreSQL central did better.");
        md.AppendLine();
        md.Append(Summary(report).ToMarkdown());
        md.AppendLine();
        foreach (var scenario in report.Scenarios)
        {
            md.AppendLine($"## {scenario.Title}");
            md.AppendLine();
            md.AppendLine($"`--scenario {scenario.Name}`, {scenario.Elapsed.TotalSeconds:0} s with its set-up.");
            md.AppendLine();
            foreach (var line in scenario.Method)
            {
                md.AppendLine($"- {line}");
            }

            md.AppendLine();
            foreach (var (caption, table) in scenario.Tables)
            {
                md.AppendLine(caption);
                md.AppendLine();
                md.Append(table.ToMarkdown());
                md.AppendLine();
            }

            if (scenario.Notes.Count > 0 || scenario.Failures.Count > 0)
            {
                foreach (var note in scenario.Notes)
                {
                    md.AppendLine($"- {note}");
                }

                foreach (var failure in scenario.Failures)
                {
                    md.AppendLine($"- **failed**: {failure}");
                }

                md.AppendLine();
            }
        }

        return md.ToString();
    }

    private static TextTable Summary(SyncBenchReport report)
    {
        var table = new TextTable("figure", "goal", "PostgreSQL central", "goal met", "SQLite central (peer)", "PostgreSQL vs SQLite");
        foreach (var line in report.Scenarios.SelectMany(s => s.Goals))
        {
            table.Add(line.Figure, line.Goal, line.Postgres, Units.Verdict(line.Met), line.Sqlite, line.Ratio);
        }

        return table;
    }
}
