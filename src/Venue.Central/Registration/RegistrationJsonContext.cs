using System.Text.Json;
using System.Text.Json.Serialization;

namespace Venue.Central.Registration;

/// <summary>Webhook payloads about attendees: <c>attendee.registered</c>, <c>attendee.updated</c>, <c>attendee.revoked</c>.</summary>
public sealed record AttendeeEventPayload(string Id, string Name, string TicketType, string Status, long Version);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(AttendeeEventPayload))]
internal sealed partial class RegistrationJsonContext : JsonSerializerContext;
