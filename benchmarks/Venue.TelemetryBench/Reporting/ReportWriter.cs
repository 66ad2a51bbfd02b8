using System.Globalization;
using System.Text;
using Venue.LoadHarness.Reporting;

namespace Venue.TelemetryBench.Reporting;

/// <summary>The run as a summary for the terminal, and as a markdown report that also says where and how it was measured.</summary>
internal static class ReportWriter
{
    public static string Text(BenchReport report)
    {
        var text = new StringBuilder();
        text.AppendLine();
        text.AppendLine("Figures against the goals (ratios: Venue's figure over the peer's; above 1, Venue does better)");
        text.AppendLine(Summary(report).ToText());
        foreach (var section in report.Sections)
        {
            if (section.Skipped is not null)
            {
                text.AppendLine($"{section.Name}: skipped: {section.Skipped}");
            }

            foreach (var failure in section.Failures)
            {
                text.AppendLine($"{section.Name}: {failure}");
            }
        }

        text.AppendLine($"load average before {report.LoadBefore}, after {report.LoadAfter} ({report.Machine.Cores} cores)");
        return text.ToString();
    }

    public static string Markdown(BenchReport report)
    {
        var m = report.Machine;
        var md = new StringBuilder();
        md.AppendLine("# Telemetry bench: RFID reads, zones and leaderboards");
        md.AppendLine();
        md.AppendLine($"Run {report.Started:yyyy-MM-dd HH:mm} UTC, {(report.Finished - report.Started).TotalSeconds:0} s{(report.Options.Quick ? ", **quick sizes: a check that the bench works, not figures to quote**" : "")}.");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(report.Options.CommandLine);
        md.AppendLine("```");
        md.AppendLine();
        var machine = new TextTable("machine", "");
        machine.Add("CPU", m.Cpu);
        machine.Add("cores", m.Cores.ToString(CultureInfo.InvariantCulture));
        machine.Add("memory", m.Memory);
        machine.Add("OS", m.OperatingSystem);
        machine.Add(".NET", $"{m.Runtime}, GC {m.Gc}");
        machine.Add("RabbitMQ", report.Broker ?? "not used in this run");
        machine.Add("date", $"{report.Started:yyyy-MM-dd}");
        machine.Add("load average (1, 5, 15 min)", $"{report.LoadBefore} before, {report.LoadAfter} after");
        md.Append(machine.ToMarkdown());
        md.AppendLine();
        md.AppendLine("Everything runs in the bench's process except RabbitMQ: the edge is a real `EdgeSilo` (and for the HTTP peer a real " +
            "Kestrel host, `EdgeWebHost`), the readers are tasks handing in batches or MQTT clients (`MqttPublisher`) on loopback. " +
            "Load generator, edge and broker share the machine's cores.");
        md.AppendLine();
        md.AppendLine("## Figures against the goals");
        md.AppendLine();
        md.AppendLine("Each figure with the peers measured in the same run; a ratio is Venue's figure over the peer's for rates, " +
            "and the peer's over Venue's for latencies, so above 1 always means Venue did better.");
        md.AppendLine();
        md.Append(Summary(report).ToMarkdown());
        md.AppendLine();
        foreach (var section in report.Sections.Where(s => s.Skipped is not null))
        {
            md.AppendLine($"- `--scenario {section.Name}` **skipped**: {section.Skipped}");
            md.AppendLine();
        }

        foreach (var section in report.Sections)
        {
            md.AppendLine($"## {section.Title}");
            md.AppendLine();
            md.AppendLine($"`--scenario {section.Name}`, {section.Elapsed.TotalSeconds:0} s with its set-up.");
            md.AppendLine();
            if (section.Skipped is not null)
            {
                md.AppendLine($"**Skipped**: {section.Skipped}");
                md.AppendLine();
            }

            foreach (var line in section.Method)
            {
                md.AppendLine($"- {line}");
            }

            md.AppendLine();
            foreach (var (caption, table) in section.Tables)
            {
                md.AppendLine(caption);
                md.AppendLine();
                md.Append(table.ToMarkdown());
                md.AppendLine();
            }

            if (section.Notes.Count > 0 || section.Failures.Count > 0)
            {
                foreach (var note in section.Notes)
                {
                    md.AppendLine($"- {note}");
                }

                foreach (var failure in section.Failures)
                {
                    md.AppendLine($"- **failed**: {failure}");
                }

                md.AppendLine();
            }
        }

        return md.ToString();
    }

    private static TextTable Summary(BenchReport report)
    {
        var table = new TextTable("figure", "goal", "Venue", "goal met", "peers (same run)", "Venue vs peer");
        foreach (var line in report.Goals)
        {
            table.Add(line.Figure, line.Goal, line.Measured, Units.Verdict(line.Met), line.Peers, line.Ratios);
        }

        return table;
    }
}
