using Venue.Domain.Ledger;

namespace Venue.Domain.Central;

/// <summary>
/// An attendee as central holds them: the source of truth the edges' ledgers are cut from.
/// <see cref="Version"/> is the ledger version of the attendee's last change (assigned by the store);
/// <see cref="Token"/> is the current signed badge, kept so a ticket can be printed again.
/// </summary>
public sealed record RegisteredAttendee(
    string Id,
    string Name,
    string? Email,
    string? Company,
    string TicketType,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidUntil,
    AttendeeStatus Status,
    IReadOnlyList<string>? Gates,
    string Token,
    UInt128 TokenHash)
{
    public long Version { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }
}
