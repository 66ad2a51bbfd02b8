using System.Text.Json;
using System.Text.Json.Serialization;
using Venue.Domain.Ledger;

namespace Venue.Domain.Sync;

// The edge-central sync protocol, "venue-sync/1": JSON over HTTP. Written down in docs/sync-protocol.md.
// Both sides speak it through these records; change them only together with that document, and
// with JournalBatchReader, which reads journal batches at central without going through them.

/// <summary>POST /v1/sync/journal: entries of one edge's journal, in any order, gaps allowed.</summary>
public sealed record JournalBatchWire(string EdgeId, IReadOnlyList<JournalEntryWire> Entries);

/// <summary>One journal entry on the wire. Direction and reason are the snake_case codes.</summary>
public sealed record JournalEntryWire(
    long Seq,
    long Hlc,
    DateTimeOffset At,
    DateTimeOffset ScannedAt,
    string Gate,
    string? Attendee,
    string? TicketType,
    string Direction,
    string Reason,
    string Nonce);

/// <summary>Central's answer to an upload: the edge resumes after <see cref="HighestContiguous"/>.</summary>
public sealed record JournalReceiptWire(long HighestContiguous, int Inserted, int Duplicates);

/// <summary>GET /v1/sync/journal/position: where central's copy of the calling edge's journal ends without a gap.</summary>
public sealed record JournalPositionWire(string EdgeId, long HighestContiguous);

/// <summary>
/// GET /v1/sync/changes: ledger changes after a version, and passages (admissions and exits) made at
/// other edges after a feed cursor. Apply both, then ask again from <see cref="LedgerVersion"/> and
/// <see cref="PassagesCursor"/>; <see cref="More"/> says the next page is ready now.
/// </summary>
public sealed record LedgerChangesWire(
    long LedgerVersion,
    IReadOnlyList<LedgerAttendee> Attendees,
    IReadOnlyList<string> RevokedTokens,
    long PassagesCursor,
    IReadOnlyList<PassageWire> Passages,
    bool More);

/// <summary>GET /v1/sync/keys: every public key central honours (its signing key's first), the whole set.</summary>
public sealed record LedgerKeysWire(IReadOnlyList<LedgerKey> Keys);

/// <summary>An admission or exit journaled at another edge, as central relays it.</summary>
public sealed record PassageWire(string Attendee, string Edge, long Seq, string Gate, string Reason, long Hlc, DateTimeOffset At);

/// <summary>
/// PUT /v1/sync/status: what an edge reports about itself for the silo table, and (from an edge
/// with a venue layout) how its floor stands: every zone's occupancy and level, every booth's counts.
/// </summary>
public sealed record EdgeStatusWire(
    string EdgeId,
    string Status,
    long JournalSequence,
    long UploadedSequence,
    long LedgerVersion,
    double JournalLagMs,
    double SyncLagMs,
    FloorWire? Floor = null);

/// <summary>An edge's floor at <see cref="At"/> (edge time): zones and booths.</summary>
public sealed record FloorWire(DateTimeOffset At, IReadOnlyList<ZoneSummaryWire> Zones, IReadOnlyList<BoothSummaryWire> Booths);

/// <summary>A zone's occupancy, capacity, level (Normal, Warn, Alert, Full) and peak.</summary>
public sealed record ZoneSummaryWire(string Zone, string Name, int Occupancy, int Capacity, string Level, int Peak);

/// <summary>A booth's leads, visits, distinct visitors and leaderboard score.</summary>
public sealed record BoothSummaryWire(string Booth, string Name, int Leads, long Visits, int Visitors, long Score);

// A property given twice is refused rather than the last one winning (with Web defaults names are
// matched ignoring case, so "status" then "Status" counts as twice too).
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(JournalBatchWire))]
[JsonSerializable(typeof(LedgerKeysWire))]
[JsonSerializable(typeof(JournalReceiptWire))]
[JsonSerializable(typeof(JournalPositionWire))]
[JsonSerializable(typeof(JournalEntryWire))]
[JsonSerializable(typeof(LedgerChangesWire))]
[JsonSerializable(typeof(EdgeStatusWire))]
public sealed partial class SyncJsonContext : JsonSerializerContext;
