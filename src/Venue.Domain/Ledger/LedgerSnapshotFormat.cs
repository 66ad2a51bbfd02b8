using System.Text.Json;
using System.Text.Json.Serialization;

namespace Venue.Domain.Ledger;

// The ledger snapshot file, format "venue-ledger/1": JSON Lines, UTF-8. The first line is the
// header, every other line one attendee. Documented in docs/ledger-format.md.

/// <summary>First line of a snapshot.</summary>
public sealed record LedgerHeader(
    string Format,
    string EventId,
    string? EventName,
    long Version,
    DateTimeOffset GeneratedAt,
    IReadOnlyList<LedgerKey> Keys,
    IReadOnlyList<LedgerTicketType> TicketTypes,
    IReadOnlyList<string>? RevokedTokens);

/// <summary>A public key: key id and base64 DER SubjectPublicKeyInfo.</summary>
public sealed record LedgerKey(string Kid, string PublicKey);

public sealed record LedgerTicketType(string Name, bool Reentry, IReadOnlyList<string>? Gates);

/// <summary>One attendee line.</summary>
public sealed record LedgerAttendee(
    string Id,
    string Name,
    string TicketType,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidUntil,
    string Status,
    string TokenHash,
    IReadOnlyList<string>? Gates);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(LedgerHeader))]
[JsonSerializable(typeof(LedgerAttendee))]
internal sealed partial class LedgerJsonContext : JsonSerializerContext;
