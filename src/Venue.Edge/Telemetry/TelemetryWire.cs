using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Venue.Domain.Booths;
using Venue.Domain.Leaderboards;
using Venue.Domain.Portals;
using Venue.Domain.Zones;
using Venue.Edge.ScannerApi;

namespace Venue.Edge.Telemetry;

// Telemetry API wire format, version 1 (path prefix /v1). Written down in docs/telemetry-api.md.

/// <summary>Answer to <c>POST /v1/readers/{readerId}/reads</c>: events in the payload, reads new to the journal, reads it already held, events that were not tag reads.</summary>
public sealed record ReadsAcceptedBody(string ReaderId, int Reads, int Accepted, int Duplicates, int Ignored, int ClockAhead);

/// <summary>Body of <c>POST /v1/booths/{boothId}/leads</c>: the scanned badge, an optional rating (1 to 5) and notes, and a nonce to retry with.</summary>
public sealed record LeadRequestBody([property: Required] string? Token, int? Rating, string? Notes, [property: Required] string? Nonce);

/// <summary>
/// Answer to a lead capture: <c>captured</c> (a new lead), <c>updated</c> (already a lead here:
/// rating and notes replaced) or <c>refused</c> with the badge's <c>reason</c> (scanner API reasons).
/// </summary>
public sealed record LeadResponseBody(string Result, string? Reason, string BoothId, AttendeeBody? Attendee, BoothLead? Lead);

/// <summary>Body of <c>POST /v1/challenges/{challengeId}/completions</c>.</summary>
public sealed record ChallengeRequestBody([property: Required] string? Token, [property: Required] string? Nonce);

/// <summary>Answer to a challenge completion: <c>awarded</c>, <c>already_awarded</c>, or <c>refused</c> with the badge's reason.</summary>
public sealed record ChallengeResponseBody(string Result, string? Reason, string ChallengeId, AttendeeBody? Attendee, LeaderboardEntry? Entry);

/// <summary><c>GET /v1/leaderboards/{board}</c>: the top entries.</summary>
public sealed record LeaderboardBody(string Board, IReadOnlyList<LeaderboardEntry> Top);

// A property given twice (in any case: names match ignoring case) is refused, not "the last one wins".
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, UseStringEnumConverter = true,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(ReadsAcceptedBody))]
[JsonSerializable(typeof(LeadRequestBody))]
[JsonSerializable(typeof(LeadResponseBody))]
[JsonSerializable(typeof(ChallengeRequestBody))]
[JsonSerializable(typeof(ChallengeResponseBody))]
[JsonSerializable(typeof(LeaderboardBody))]
[JsonSerializable(typeof(LeaderboardEntry))]
[JsonSerializable(typeof(ZoneStatus))]
[JsonSerializable(typeof(IReadOnlyList<ZoneStatus>))]
[JsonSerializable(typeof(IReadOnlyList<ZoneOccupant>))]
[JsonSerializable(typeof(PortalStatus))]
[JsonSerializable(typeof(IReadOnlyList<PortalStatus>))]
[JsonSerializable(typeof(BoothStatus))]
[JsonSerializable(typeof(IReadOnlyList<BoothStatus>))]
[JsonSerializable(typeof(IReadOnlyList<BoothLead>))]
[JsonSerializable(typeof(AttendeeLocation))]
[JsonSerializable(typeof(TelemetryStatus))]
[JsonSerializable(typeof(LeadPayload))]
internal sealed partial class TelemetryJsonContext : JsonSerializerContext;
