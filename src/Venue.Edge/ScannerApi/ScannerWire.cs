using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Venue.Domain.Gates;
using Venue.Domain.Readers;

namespace Venue.Edge.ScannerApi;

// Scanner API wire format, version 1 (path prefix /v1). Written down in docs/scanner-api.md.

/// <summary>
/// Body of <c>POST /v1/gates/{gateId}/scans</c>. Nullable so that a missing field is named by the
/// validation problem rather than a parser message; <see cref="RequiredAttribute"/> keeps all four required in the OpenAPI document.
/// </summary>
public sealed record ScanRequestBody([property: Required] string? Token, [property: Required] string? Direction, [property: Required] string? Nonce,
    [property: Required, JsonConverter(typeof(ZonedTimeConverter))] DateTimeOffset? ScannedAt);

/// <summary>
/// An ISO 8601 date and time that carries its UTC offset (<c>Z</c> or <c>+01:00</c>), read as reader
/// timestamps are (<see cref="ReaderTimestamp"/>). Without an offset, System.Text.Json reads the time
/// in the edge's own time zone, so one request would be recorded as different instants on edges set
/// to different zones; a date alone is refused too.
/// </summary>
public sealed class ZonedTimeConverter : JsonConverter<DateTimeOffset?>
{
    public override bool HandleNull => true;

    public override DateTimeOffset? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.String || Text(ref reader) is not { } text || !ReaderTimestamp.TryParse(text, out var value))
        {
            throw new JsonException("scannedAt must be an ISO 8601 date and time with its UTC offset, such as 2026-11-22T08:59:58.120Z or 2026-11-22T09:59:58+01:00.");
        }

        return value;
    }

    /// <summary>The string, or null for one that is not text (an escaped half of a surrogate pair), which GetString throws on.</summary>
    private static string? Text(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset? value, JsonSerializerOptions options)
    {
        if (value is { } v)
        {
            writer.WriteStringValue(v);
        }
        else
        {
            writer.WriteNullValue();
        }
    }
}

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
    Telemetry.TelemetryStatus? Telemetry = null, Messaging.RabbitMq.ReaderQueueStats? ReaderQueue = null)
{
    /// <summary>With status <c>journal_unavailable</c> (and HTTP 503): the journal that cannot commit, why, since when, and the appends refused since.</summary>
    public JournalFailureBody? JournalFailure { get; init; }

    /// <summary>With status <c>degraded</c> (HTTP 200, scans still work): the read journal cannot commit.</summary>
    public JournalFailureBody? ReadJournalFailure { get; init; }
}

public sealed record JournalFailureBody(string Path, string Reason, DateTimeOffset Since, long RefusedAppends, DateTimeOffset? LastProbeAt)
{
    public static JournalFailureBody? Of(Venue.Storage.Sqlite.JournalFailure? failure) =>
        failure is null ? null : new(failure.Path, failure.Reason, failure.Since, failure.RefusedAppends, failure.LastProbeAt);
}

// A property given twice (in any case: names match ignoring case) is refused, not "the last one wins".
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, AllowDuplicateProperties = false)]
[JsonSerializable(typeof(ScanRequestBody))]
[JsonSerializable(typeof(ScanResponseBody))]
[JsonSerializable(typeof(GateStatus))]
[JsonSerializable(typeof(IReadOnlyList<GateStatus>))]
[JsonSerializable(typeof(HealthBody))]
internal sealed partial class ScannerJsonContext : JsonSerializerContext;
