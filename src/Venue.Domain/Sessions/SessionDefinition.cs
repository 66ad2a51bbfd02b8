namespace Venue.Domain.Sessions;

/// <summary>A scheduled session held in a room, which is a zone of the layout.</summary>
public sealed record SessionDefinition(string Id, string Title, string Zone, DateTimeOffset StartsAt, DateTimeOffset EndsAt);
