namespace Venue.Domain.Ledger;

/// <summary>
/// One attendee as the edge knows them. A class with compact fields (not a record with lists)
/// because an edge holds a million of them: see the memory figure in the README.
/// </summary>
public sealed class AttendeeRecord(
    string id,
    string name,
    TicketType ticketType,
    long validFromUnix,
    long validUntilUnix,
    AttendeeStatus status,
    UInt128 tokenHash,
    string[]? gates)
{
    public string Id { get; } = id;

    public string Name { get; } = name;

    public TicketType TicketType { get; } = ticketType;

    /// <summary>Unix seconds; 0 means no lower bound.</summary>
    public long ValidFromUnix { get; } = validFromUnix;

    /// <summary>Unix seconds; 0 means no upper bound.</summary>
    public long ValidUntilUnix { get; } = validUntilUnix;

    public AttendeeStatus Status { get; } = status;

    /// <summary>Hash of the attendee's current token (<see cref="Tickets.TokenHash"/>).</summary>
    public UInt128 TokenHash { get; } = tokenHash;

    /// <summary>Gates this attendee may use, in place of the ticket type's gate list; null: the ticket type decides.</summary>
    public string[]? Gates { get; } = gates;

    /// <summary>
    /// The snapshot line this record was read from (0 when it was not), to name both lines of an id
    /// that appears twice. It fits in the padding the 16-byte-aligned token hash leaves: a record is
    /// 96 bytes on x64 with it or without it.
    /// </summary>
    internal int SourceLine { get; init; }

    public bool AllowsGate(string gateId) =>
        Gates is { } own ? Array.IndexOf(own, gateId) >= 0 : TicketType.AllowsGate(gateId);
}
