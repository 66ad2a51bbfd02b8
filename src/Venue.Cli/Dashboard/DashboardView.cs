namespace Venue.Cli.Dashboard;

/// <summary>What the terminal dashboard shows at one moment: headline facts, gates, zones, recent notices, silos.</summary>
public sealed record DashboardView(
    string Title,
    IReadOnlyList<string> Facts,
    IReadOnlyList<GateRow> Gates,
    IReadOnlyList<ZoneRow> Zones,
    NoticeList Notices,
    IReadOnlyList<SiloRow> Silos);

/// <summary>The panel of recent happenings ops must see: zone alerts on an edge, conflicts on central.</summary>
public sealed record NoticeList(string Title, string WhenEmpty, IReadOnlyList<string> Lines)
{
    public static NoticeList Alerts(IReadOnlyList<string> lines) => new("Recent alerts", "no alerts", lines);

    public static NoticeList Conflicts(IReadOnlyList<string> lines) => new("Recent conflicts (one badge admitted at two edges)", "no conflicts", lines);
}

public sealed record GateRow(string Edge, string GateId, bool Open, long Admitted, long Exited, long Refused, string TopRefusal);

public sealed record ZoneRow(string Edge, string ZoneId, int Occupancy, int Capacity, string Level);

public sealed record SiloRow(string SiloId, string Status, long JournalLag, double SyncLagMs, DateTimeOffset LastSeenAt);
