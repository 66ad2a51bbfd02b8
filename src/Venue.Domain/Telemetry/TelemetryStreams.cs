namespace Venue.Domain.Telemetry;

/// <summary>
/// The grain streams telemetry publishes on (namespace, then key), which the ops console and the
/// uplink subscribe to with <c>SubscribeNamespace</c>. Items are the records beside this file.
/// </summary>
public static class TelemetryStreams
{
    /// <summary>Key: zone id. Items: <see cref="ZoneOccupancyChanged"/>.</summary>
    public const string ZoneOccupancy = "zone-occupancy";

    /// <summary>Key: zone id. Items: <see cref="ZoneAlert"/> (raised and cleared).</summary>
    public const string ZoneAlerts = "zone-alerts";

    /// <summary>Key: booth id. Items: <see cref="LeadCaptured"/>.</summary>
    public const string Leads = "leads";

    /// <summary>Key: board name (<c>attendees</c>, <c>booths</c>). Items: <see cref="LeaderboardChanged"/>.</summary>
    public const string Leaderboards = "leaderboards";

    /// <summary>Key: portal id. Items: <see cref="Movement"/> (an attendee moved between zones).</summary>
    public const string Movements = "movements";
}

/// <summary>An attendee moved from one zone to another (null: outside the venue, or unknown) through a portal or a gate.</summary>
public sealed record Movement(string AttendeeId, string? FromZone, string? ToZone, string Via, DateTimeOffset At, DateTimeOffset ReadAt)
{
    /// <summary>
    /// The portal saw a crossing but not its direction (one antenna only): <see cref="ToZone"/> is the
    /// seeing antenna's side, a guess. Whoever knows where the attendee is decides: already on that
    /// side means they crossed the other way.
    /// </summary>
    public bool DirectionUnknown { get; init; }
}

/// <summary>A zone's occupancy after a change. <see cref="Level"/> is the alert level in force.</summary>
public sealed record ZoneOccupancyChanged(string ZoneId, int Occupancy, int Capacity, ZoneLevel Level, DateTimeOffset At, DateTimeOffset CausedAt);

/// <summary>A zone crossed a threshold: <see cref="Raised"/> on the way up, cleared (false) on the way down past the hysteresis band.</summary>
public sealed record ZoneAlert(string ZoneId, ZoneLevel Level, bool Raised, int Occupancy, int Capacity, DateTimeOffset At);

/// <summary>A lead a booth captured (or updated: a second capture of the same attendee changes rating and notes, not the count).</summary>
public sealed record LeadCaptured(string BoothId, string AttendeeId, int? Rating, string? Notes, bool Updated, DateTimeOffset At);

/// <summary>An entry of a leaderboard changed score: its new score and rank (1 = top).</summary>
public sealed record LeaderboardChanged(string Board, string Id, long Score, int Rank, DateTimeOffset At);

/// <summary>Alert levels of a zone, in order.</summary>
public enum ZoneLevel : byte
{
    Normal = 0,
    Warn = 1,
    Alert = 2,
    Full = 3,
}
