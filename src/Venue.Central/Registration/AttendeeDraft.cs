namespace Venue.Central.Registration;

/// <summary>A validated attendee, not yet stored or signed. <see cref="Id"/> null: central picks one.</summary>
internal sealed record AttendeeDraft(
    string? Id,
    string Name,
    string? Email,
    string? Company,
    string TicketType,
    DateTimeOffset? ValidFrom,
    DateTimeOffset? ValidUntil,
    IReadOnlyList<string>? Gates);
