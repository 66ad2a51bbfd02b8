namespace Venue.Cli.Dashboard;

/// <summary>What the terminal dashboard shows at one moment: headline facts, gates, zones, recent alerts, silos.</summary>
public sealed record DashboardView(
    string Title,
    IReadOnlyList<string> Facts,
    IReadOnlyList<GateRow> Gates,
    IReadOnlyList<ZoneRow> Zones,
    IReadOnlyList<string> Alerts,
    IReadOnlyList<SiloRow> Silos);

public sealed record GateRow(string Edge, string GateId, bool Open, long Admitted, long Exited, long Refused, string TopRefusal);

public sealed record ZoneRow(string Edge, string ZoneId, int Occupancy, int Capacity, string Level);

public sealed record SiloRow(string SiloId, string Status, long JournalLag, double SyncLagMs, DateTimeOffset LastSeenAt);
