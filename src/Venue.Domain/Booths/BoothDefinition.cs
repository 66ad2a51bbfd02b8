namespace Venue.Domain.Booths;

/// <summary>An exhibitor's booth. <see cref="Zone"/> is its floor area, if it has one: entering it counts a visit.</summary>
public sealed record BoothDefinition(string Id, string Name, string Exhibitor, string? Zone = null);
