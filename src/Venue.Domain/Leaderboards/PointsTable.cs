namespace Venue.Domain.Leaderboards;

/// <summary>Points an attendee earns: for attending a session, for a lead captured at a booth, for a challenge.</summary>
public sealed record PointsTable(int Session = 10, int Booth = 15, int Challenge = 25);

/// <summary>A challenge attendees can complete; <see cref="Points"/> overrides <see cref="PointsTable.Challenge"/>.</summary>
public sealed record ChallengeDefinition(string Id, string Name, int? Points = null);
