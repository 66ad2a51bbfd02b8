using Spectre.Console;
using Spectre.Console.Rendering;

namespace Venue.Cli.Dashboard;

/// <summary>Draws a <see cref="DashboardView"/> with Spectre.Console: busiest gates, zones colored by level, silos, recent alerts or conflicts.</summary>
public static class DashboardRenderer
{
    /// <summary>Rows shown per table: a terminal is not a console page.</summary>
    public const int MaxRows = 12;

    public static IRenderable Render(DashboardView view)
    {
        var parts = new List<IRenderable>
        {
            new Markup($"[bold]{Markup.Escape(view.Title)}[/]"),
        };
        parts.AddRange(view.Facts.Select(f => new Markup(Markup.Escape(f))));

        if (view.Gates.Count > 0)
        {
            var gates = new Table().Border(TableBorder.Rounded).Title($"Gates (busiest {Math.Min(MaxRows, view.Gates.Count)} of {view.Gates.Count})")
                .AddColumn("edge").AddColumn("gate").AddColumn(new TableColumn("admitted").RightAligned()).AddColumn(new TableColumn("exited").RightAligned())
                .AddColumn(new TableColumn("refused").RightAligned()).AddColumn("most refused for");
            foreach (var g in view.Gates.OrderByDescending(g => g.Admitted + g.Refused).Take(MaxRows))
            {
                gates.AddRow(Markup.Escape(g.Edge), g.Open ? Markup.Escape(g.GateId) : $"[grey]{Markup.Escape(g.GateId)} (closed)[/]", $"{g.Admitted:N0}", $"{g.Exited:N0}",
                    $"{g.Refused:N0}", Markup.Escape(g.TopRefusal));
            }

            parts.Add(gates);
        }

        if (view.Zones.Count > 0)
        {
            var zones = new Table().Border(TableBorder.Rounded).Title($"Zones ({view.Zones.Count})").AddColumn("edge").AddColumn("zone")
                .AddColumn(new TableColumn("inside").RightAligned()).AddColumn(new TableColumn("capacity").RightAligned()).AddColumn("")
                .AddColumn("level");
            foreach (var z in view.Zones.OrderByDescending(z => (double)z.Occupancy / Math.Max(1, z.Capacity)).Take(MaxRows))
            {
                var color = ColorOf(z.Level);
                var share = Math.Clamp((double)z.Occupancy / Math.Max(1, z.Capacity), 0, 1.2);
                var bar = new string('█', (int)Math.Round(Math.Min(share, 1) * 20)).PadRight(20, '·');
                zones.AddRow(Markup.Escape(z.Edge), Markup.Escape(z.ZoneId), $"{z.Occupancy:N0}", $"{z.Capacity:N0}", $"[{color}]{bar}[/]", $"[{color}]{z.Level}[/]");
            }

            parts.Add(zones);
        }

        if (view.Silos.Count > 0)
        {
            var silos = new Table().Border(TableBorder.Rounded).Title("Silos").AddColumn("silo").AddColumn("status")
                .AddColumn(new TableColumn("journal lag").RightAligned()).AddColumn(new TableColumn("sync lag").RightAligned()).AddColumn("last seen");
            foreach (var s in view.Silos.Take(MaxRows))
            {
                var color = s.Status == "online" ? "green" : "red";
                silos.AddRow(Markup.Escape(s.SiloId), $"[{color}]{Markup.Escape(s.Status)}[/]", $"{s.JournalLag:N0}", $"{s.SyncLagMs:N0} ms", $"{s.LastSeenAt:HH:mm:ss}");
            }

            parts.Add(silos);
        }

        var notices = view.Notices.Lines.Count == 0
            ? $"[grey]{Markup.Escape(view.Notices.WhenEmpty)}[/]"
            : string.Join("\n", view.Notices.Lines.TakeLast(6).Select(Markup.Escape));
        // Full width: a panel sized to "no alerts" would cut its own title short.
        parts.Add(new Panel(new Markup(notices)).Header(Markup.Escape(view.Notices.Title)).Border(BoxBorder.Rounded).Expand());
        return new Rows(parts);
    }

    private static string ColorOf(string level) => level switch
    {
        "Warn" => "yellow",
        "Alert" => "darkorange",
        "Full" => "red",
        _ => "green",
    };
}
