using System.Text.Json;
using System.Text.Json.Serialization;
using Venue.Domain.Gates;

namespace Venue.Edge.ScannerApi;

// Scanner API wire format, version 1 (path prefix /v1). Written down in docs/scanner-api.md.

/// <summary>Body of <c>POST /v1/gates/{gateId}/scans</c>.</summary>
public sealed record ScanRequestBody(string? Token, string? Direction, string? Nonce, DateTimeOffset? ScannedAt);

/// <summary>
/// Answer to a scan. <c>result</c> is <c>admitted</c> when the passage is allowed (an entry, or an
/// exit with reason <c>exited</c>) and <c>refused</c> otherwise; <c>reason</c> says why.
/// </summary>
public sealed record ScanResponseBody(string Result, string Reason, AttendeeBody? Attendee, string GateId, DateTimeOffset At, string Nonce);

public sealed record AttendeeBody(string Id, string Name, string TicketType);

/// <summary>
/// GET /healthz. <c>sync</c>: how the uplink to central stands; absent on a standalone edge.
/// <c>telemetry</c>: reads and movements, absent without a venue layout; <c>readerQueue</c>: the
/// RabbitMQ consumer's counters, absent when readers do not come through RabbitMQ.
/// </summary>
public sealed record HealthBody(string Status, string EdgeId, int Attendees, long JournalSequence, long JournalCommits, int Gates, Sync.SyncStatus? Sync = null,
    Telemetry.TelemetryStatus? Telemetry = null, Messaging.RabbitMq.ReaderQueueStats? ReaderQueue = null);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ScanRequestBody))]
[JsonSerializable(typeof(ScanResponseBody))]
[JsonSerializable(typeof(GateStatus))]
[JsonSerializable(typeof(IReadOnlyList<GateStatus>))]
[JsonSerializable(typeof(HealthBody))]
internal sealed partial class ScannerJsonContext : JsonSerializerContext;
