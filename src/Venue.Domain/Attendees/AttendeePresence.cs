namespace Venue.Domain.Attendees;

public sealed record AttendeePresence(string AttendeeId, bool Inside, int Entries, int Exits, string? LastGate, DateTimeOffset? LastPassageAt);
