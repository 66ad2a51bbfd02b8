namespace Venue.Domain.Tickets;

/// <summary>What a badge token asserts. Validity bounds are unix seconds; 0 means unbounded.</summary>
public sealed record BadgeClaims(
    string KeyId,
    string EventId,
    string AttendeeId,
    string TicketType,
    long ValidFromUnix,
    long ValidUntilUnix);
