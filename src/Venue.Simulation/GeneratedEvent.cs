using Venue.Domain.Gates;
using Venue.Domain.Ledger;

namespace Venue.Simulation;

/// <summary>A generated event: the ledger an edge loads, the gates, and every attendee's badge.</summary>
public sealed record GeneratedEvent(
    EventSpec Spec,
    AttendeeLedger Ledger,
    LedgerHeader Header,
    IReadOnlyList<GateDefinition> Gates,
    IReadOnlyList<GeneratedBadge> Badges);

/// <summary>One printed badge.</summary>
public sealed record GeneratedBadge(string AttendeeId, string Name, string TicketType, string Token, AttendeeStatus Status, bool ValidToday);
