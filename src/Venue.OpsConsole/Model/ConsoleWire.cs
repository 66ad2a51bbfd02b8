using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Venue.OpsConsole.Model;

// The console's wire records: the snapshot's parts and the stream events' payloads, in one place
// because docs/live-streams.md describes them together. Version: venue-console/1.

/// <summary>Which silo serves this console.</summary>
public sealed record SiloIdentity(string Id, string Role);

/// <summary>
/// Everything the console shows, consistent with the stream up to <see cref="Seq"/>: open the stream
/// with <c>after={Epoch}-{Seq}</c> and apply what follows. <see cref="HeartbeatMs"/>: how often a
/// quiet stream sends a <c>ping</c>; a stream silent for much longer than that is dead.
/// </summary>
public sealed record ConsoleSnapshot(
    string Format,
    string Epoch,
    long Seq,
    SiloIdentity Silo,
    DateTimeOffset At,
    IReadOnlyList<GateView> Gates,
    IReadOnlyList<ZoneView> Zones,
    IReadOnlyList<AlertView> Alerts,
    IReadOnlyList<ConflictView> Conflicts,
    IReadOnlyList<LeaderboardView> Leaderboards,
    IReadOnlyList<SiloView> Silos,
    IReadOnlyList<ScanEvent> Scans,
    long HeartbeatMs);

/// <summary>
/// A gate and its counters. <see cref="Status"/>: <c>online</c> (scanned within the last two
/// minutes), <c>idle</c>, <c>closed</c> (outside its opening hours) or <c>offline</c> (its edge is).
/// <see cref="Minutes"/>: scans per minute, oldest first, the last entry being the current minute.
/// </summary>
public sealed record GateView(
    string Id,
    string Name,
    string? Zone,
    string? Edge,
    string Status,
    long Scans,
    long Admitted,
    long Exited,
    long Refused,
    IReadOnlyDictionary<string, long> Refusals,
    DateTimeOffset? LastScanAt,
    IReadOnlyList<MinuteCount> Minutes);

/// <summary>Scans in one minute (<see cref="Minute"/>: Unix time in minutes).</summary>
public sealed record MinuteCount(long Minute, long Count);

/// <summary>
/// A scan (event <c>scan</c>), with the gate's counters after it, so a client sets its numbers
/// rather than adds to them. <see cref="Result"/>: <c>admitted</c>, <c>exited</c> or <c>refused</c>.
/// <see cref="GateStatus"/>: the gate's status after it as the silo computed it (a scan uploaded late
/// leaves an idle gate idle): clients set it rather than guess, as no <c>gate</c> event follows.
/// </summary>
public sealed record ScanEvent(
    string Gate,
    string? Edge,
    string Direction,
    string Result,
    string Reason,
    string? Attendee,
    DateTimeOffset At,
    long Journal,
    GateCounters Counters,
    string GateStatus);

/// <summary>A gate's counters after a scan; <see cref="ReasonCount"/> counts the scan's reason, <see cref="MinuteCount"/> its minute.</summary>
public sealed record GateCounters(long Scans, long Admitted, long Exited, long Refused, long ReasonCount, long Minute, long MinuteCount);

/// <summary>A zone's occupancy (event <c>zone</c>). <see cref="Level"/>: <c>normal</c>, <c>warn</c>, <c>alert</c>, <c>full</c>.</summary>
public sealed record ZoneView(string Id, int Occupancy, int Capacity, string Level, DateTimeOffset At);

/// <summary>
/// A zone alert (event <c>alert</c>, sent again whenever it changes): raised, cleared (<see cref="Active"/>
/// false) or acknowledged. <see cref="Id"/> is the sequence number of the event that raised it.
/// </summary>
public sealed record AlertView(
    long Id,
    string Zone,
    string Level,
    bool Active,
    int Occupancy,
    int Capacity,
    DateTimeOffset RaisedAt,
    DateTimeOffset? ClearedAt,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy);

/// <summary>A badge admitted at two edges (event <c>conflict</c>, sent again when acknowledged). Central only.</summary>
public sealed record ConflictView(
    long Id,
    string Attendee,
    PassageView First,
    PassageView Second,
    DateTimeOffset DetectedAt,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy);

public sealed record PassageView(string Edge, string Gate, DateTimeOffset At, long Sequence);

/// <summary>A conflict central no longer holds (event <c>conflict-removed</c>): a late upload explained it.</summary>
public sealed record ConflictRemoved(long Id);

/// <summary>A leaderboard's top entries, best first.</summary>
public sealed record LeaderboardView(string Board, IReadOnlyList<LeaderEntry> Entries);

/// <summary>An entry of a top: <see cref="Rank"/> is its place in the top shown (1 = best).</summary>
public sealed record LeaderEntry(string Id, long Score, int Rank);

/// <summary>
/// An entry of a leaderboard changed score (event <c>leader</c>). <see cref="Rank"/> is its rank on
/// the leaderboard as it changed: among equal scores the lower rank reached the score first, and
/// ranks the higher (see <see cref="ConsoleModel"/>'s order).
/// </summary>
public sealed record LeaderEvent(string Board, string Id, long Score, int Rank, DateTimeOffset At);

/// <summary>A row of the silo table (event <c>silo</c>): on central every silo, on an edge its own uplink. Lags in milliseconds.</summary>
public sealed record SiloView(
    string Id,
    string Role,
    string Status,
    long JournalSequence,
    long UploadedSequence,
    long LedgerVersion,
    long JournalLagEntries,
    double JournalLagMs,
    double SyncLagMs,
    DateTimeOffset? LastSeenAt);

/// <summary>An attendee as the lookup shows them; presence fields are null where the silo does not know them.</summary>
public sealed record AttendeeView(
    string Id,
    string Name,
    string TicketType,
    string Status,
    bool? Inside,
    int? Entries,
    int? Exits,
    string? LastGate,
    DateTimeOffset? LastPassageAt);

/// <summary>The body of <c>POST /console/session</c>: an ops device token, exchanged once for a session cookie.</summary>
public sealed record SessionRequest([property: Required] string? Token);

public sealed record SessionView(string Name, string Role, DateTimeOffset ExpiresAt);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ConsoleSnapshot))]
[JsonSerializable(typeof(ScanEvent))]
[JsonSerializable(typeof(GateView))]
[JsonSerializable(typeof(ZoneView))]
[JsonSerializable(typeof(AlertView))]
[JsonSerializable(typeof(ConflictView))]
[JsonSerializable(typeof(ConflictRemoved))]
[JsonSerializable(typeof(LeaderEvent))]
[JsonSerializable(typeof(SiloView))]
[JsonSerializable(typeof(AttendeeView))]
[JsonSerializable(typeof(SessionRequest))]
[JsonSerializable(typeof(SessionView))]
public sealed partial class ConsoleJsonContext : JsonSerializerContext;
