using Venue.Domain.Telemetry;

namespace Venue.Domain.Zones;

/// <summary>A zone as the ops console shows it. Times in <see cref="Minutes"/> and <see cref="PeakAt"/> are movement (read) times.</summary>
public sealed record ZoneStatus(
    string ZoneId,
    string Name,
    int Capacity,
    int Occupancy,
    ZoneLevel Level,
    int PeakOccupancy,
    DateTimeOffset? PeakAt,
    long Entries,
    long Exits,
    long NotAdmittedEntries,
    DwellStats Dwell,
    IReadOnlyList<ZoneMinute> Minutes,
    IReadOnlyList<SessionAttendanceCount> Sessions,
    DateTimeOffset? LastChangeAt);

/// <summary>
/// One minute of a zone's series: the highest occupancy during it, entries and exits. Minutes with no
/// movement are left out (occupancy stayed at the previous minute's last value).
/// </summary>
public sealed record ZoneMinute(DateTimeOffset Minute, int PeakOccupancy, int Entries, int Exits);

/// <summary>Completed stays in a zone: how many, and their mean, median and 90th percentile duration (null before the first).</summary>
public sealed record DwellStats(long CompletedStays, TimeSpan? Mean, TimeSpan? P50, TimeSpan? P90);

/// <summary>How many attendees have attended a session held in this zone so far.</summary>
public sealed record SessionAttendanceCount(string SessionId, int Attended);

/// <summary>An attendee inside a zone, and since when.</summary>
public sealed record ZoneOccupant(string AttendeeId, DateTimeOffset EnteredAt);
