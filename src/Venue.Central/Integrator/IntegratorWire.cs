using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Venue.Central.Integrator;

// Integrator API wire format, version 1 (path prefix /v1). Written down in docs/integrator-api.md;
// change these records only together with that document.

/// <summary>An attendee as central holds them, with their current badge token.</summary>
public sealed record AttendeeBody(
    string Id,
    string Name,
    string? Email,
    string? Company,
    string TicketType,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidUntil,
    string Status,
    IReadOnlyList<string>? Gates,
    string Token,
    string TokenHash,
    long Version,
    DateTimeOffset UpdatedAt);

/// <summary>
/// What an import did. <c>imported</c> counts the rows stored (created, updated, or equal to what was
/// stored); <c>failed</c> the rows refused, listed in <c>errors</c> (at most 1,000 errors;
/// <c>errorsOmitted</c> failed rows beyond them are counted only).
/// </summary>
public sealed record ImportResultBody(
    int Imported,
    int Created,
    int Updated,
    int Unchanged,
    int Failed,
    IReadOnlyList<RowErrorBody> Errors,
    int ErrorsOmitted,
    long LedgerVersion);

/// <summary>One problem with one row (row and line null for a single attendee; field null for the row as a whole).</summary>
public sealed record RowErrorBody(int? Row, long? Line, string? Field, string Message);

/// <summary>One journal entry of an edge, as central stores it (a line of the check-in export).</summary>
public sealed record CheckInBody(
    long FeedId,
    string EdgeId,
    long Seq,
    long Hlc,
    DateTimeOffset At,
    DateTimeOffset ScannedAt,
    DateTimeOffset ReceivedAt,
    string Gate,
    string? Attendee,
    string? TicketType,
    string Direction,
    string Reason,
    string Nonce,
    bool Late);

/// <summary>The check-in export as JSON (written by hand by <c>CheckInExport</c>; this record describes it in the OpenAPI document).</summary>
public sealed record CheckInPageBody(IReadOnlyList<CheckInBody> Checkins, long NextCursor, bool More);

/// <summary>One badge admitted at two edges with no exit between: both passages, and whether ops has seen it.</summary>
public sealed record ConflictBody(
    long Id,
    string AttendeeId,
    PassageBody First,
    PassageBody Second,
    DateTimeOffset DetectedAt,
    DateTimeOffset? AcknowledgedAt,
    string? AcknowledgedBy);

public sealed record PassageBody(string EdgeId, long Seq, string Gate, DateTimeOffset At, long Hlc);

/// <summary>A page of conflicts; ask again with <c>after=nextCursor</c> while <c>more</c>.</summary>
public sealed record ConflictPageBody(IReadOnlyList<ConflictBody> Conflicts, long NextCursor, bool More);

public sealed record SiloBody(
    string SiloId,
    string Role,
    string Status,
    long JournalSequence,
    long UploadedSequence,
    long LedgerVersion,
    long JournalLagEntries,
    double JournalLagMs,
    double SyncLagMs,
    DateTimeOffset LastSeenAt);

public sealed record SilosBody(IReadOnlyList<SiloBody> Silos);

/// <summary>The event at a glance; <c>byReason</c> is keyed by the scanner API's reason codes.</summary>
public sealed record StatsBody(
    string EventId,
    long Registered,
    long LedgerVersion,
    long FeedId,
    long Inside,
    long Admitted,
    long Conflicts,
    CheckInStatsBody CheckIns,
    IReadOnlyList<SiloBody> Silos,
    DateTimeOffset At);

public sealed record CheckInStatsBody(long Entries, long Late, IReadOnlyDictionary<string, long> ByReason, IReadOnlyDictionary<string, long> ByEdge);

/// <summary>Body of <c>POST /v1/webhooks</c>.</summary>
public sealed record WebhookRequestBody([property: Required] string? Url, [property: Required] IReadOnlyList<string>? EventTypes);

/// <summary>
/// Body of <c>POST /v1/attendees</c>, and one element of a JSON import: the fields <c>AttendeeFields</c>
/// reads by hand, described here for the OpenAPI document only. Times are ISO 8601 with an offset;
/// null leaves an optional field empty.
/// </summary>
public sealed record AttendeeRequestBody(
    string? Id,
    string Name,
    string? Email,
    string? Company,
    string TicketType,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidUntil,
    IReadOnlyList<string>? Gates);

/// <summary>Body of <c>PATCH /v1/attendees/{id}</c>: the fields to change, as <see cref="AttendeeRequestBody"/>; null clears an optional one.</summary>
public sealed record AttendeePatchBody(
    string? Id,
    string? Name,
    string? Email,
    string? Company,
    string? TicketType,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidUntil,
    IReadOnlyList<string>? Gates);

/// <summary>A webhook as listed (its secret is shown only once, at creation), with how its deliveries stand.</summary>
public sealed record WebhookBody(string Id, string Url, IReadOnlyList<string> EventTypes, DateTimeOffset CreatedAt, WebhookDeliveriesBody Deliveries);

/// <summary>
/// A webhook's deliveries in the outbox: pending (due or awaiting a retry), delivered and failed (given up)
/// within the keeping time; <see cref="LastError"/> is the error of the newest one failed and not delivered.
/// </summary>
public sealed record WebhookDeliveriesBody(long Pending, long Delivered, long Failed, string? LastError);

/// <summary>Answer of <c>POST /v1/webhooks/{id}/retry</c>: how many given-up deliveries are pending again.</summary>
public sealed record WebhookRetryBody(int Retried);

/// <summary>A webhook just created, with the secret its deliveries are signed with: store it now, it is not shown again.</summary>
public sealed record WebhookCreatedBody(string Id, string Url, IReadOnlyList<string> EventTypes, string Secret, DateTimeOffset CreatedAt);

public sealed record WebhooksBody(IReadOnlyList<WebhookBody> Webhooks);

// A property given twice (in any case: names match ignoring case) is refused, not "the last one wins".
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(FloorBody))]
[JsonSerializable(typeof(AttendeeBody))]
[JsonSerializable(typeof(ImportResultBody))]
[JsonSerializable(typeof(List<RowErrorBody>))]
[JsonSerializable(typeof(CheckInBody))]
[JsonSerializable(typeof(CheckInPageBody))]
[JsonSerializable(typeof(ConflictPageBody))]
[JsonSerializable(typeof(ConflictBody))]
[JsonSerializable(typeof(SilosBody))]
[JsonSerializable(typeof(StatsBody))]
[JsonSerializable(typeof(WebhookRequestBody))]
[JsonSerializable(typeof(AttendeeRequestBody))]
[JsonSerializable(typeof(IReadOnlyList<AttendeeRequestBody>))]
[JsonSerializable(typeof(AttendeePatchBody))]
[JsonSerializable(typeof(WebhookBody))]
[JsonSerializable(typeof(WebhookCreatedBody))]
[JsonSerializable(typeof(WebhooksBody))]
[JsonSerializable(typeof(WebhookRetryBody))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class IntegratorJsonContext : JsonSerializerContext;

/// <summary><c>GET /v1/floor</c>: every edge's floor as it last reported it.</summary>
public sealed record FloorBody(IReadOnlyList<EdgeFloorBody> Edges);

/// <summary>One edge's zones and booths at <see cref="At"/> (the edge's time of the report).</summary>
public sealed record EdgeFloorBody(string Edge, DateTimeOffset At, IReadOnlyList<Venue.Domain.Sync.ZoneSummaryWire> Zones, IReadOnlyList<Venue.Domain.Sync.BoothSummaryWire> Booths);
