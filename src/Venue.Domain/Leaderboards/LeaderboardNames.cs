namespace Venue.Domain.Leaderboards;

/// <summary>The boards there are, and the reasons points are awarded for (each awarded once per entry).</summary>
public static class LeaderboardNames
{
    /// <summary>Attendees, by points from sessions, booths and challenges.</summary>
    public const string Attendees = "attendees";

    /// <summary>Booths, by points from the leads they capture.</summary>
    public const string Booths = "booths";

    /// <summary>An attendee's points for a lead captured at a booth: once per booth.</summary>
    public static string BoothReason(string boothId) => $"booth:{boothId}";

    /// <summary>An attendee's points for attending a session: once per session.</summary>
    public static string SessionReason(string sessionId) => $"session:{sessionId}";

    /// <summary>An attendee's points for completing a challenge: once per challenge.</summary>
    public static string ChallengeReason(string challengeId) => $"challenge:{challengeId}";

    /// <summary>A booth's points for a lead: once per attendee.</summary>
    public static string LeadReason(string attendeeId) => $"lead:{attendeeId}";
}
