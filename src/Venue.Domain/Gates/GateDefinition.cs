namespace Venue.Domain.Gates;

/// <summary>
/// A gate (a lane or a group of lanes sharing scanners) as configured. <see cref="AllowedTicketTypes"/>
/// null admits every ticket type; open and close times null mean always open.
/// </summary>
public sealed record GateDefinition(
    string Id,
    string Name,
    string? Zone = null,
    IReadOnlyList<string>? AllowedTicketTypes = null,
    DateTimeOffset? OpensAt = null,
    DateTimeOffset? ClosesAt = null)
{
    public bool IsOpenAt(DateTimeOffset now) => (OpensAt is null || now >= OpensAt) && (ClosesAt is null || now < ClosesAt);

    public bool AllowsTicketType(string ticketType) =>
        AllowedTicketTypes is null || AllowedTicketTypes.Contains(ticketType, StringComparer.Ordinal);
}
