namespace Venue.Domain.Central;

/// <summary>What an integrator API key may do. The wire names are the constants' values.</summary>
public static class ApiScope
{
    public const string AttendeesRead = "attendees:read";
    public const string AttendeesWrite = "attendees:write";
    public const string CheckInsRead = "checkins:read";
    public const string ConflictsRead = "conflicts:read";
    public const string SilosRead = "silos:read";
    public const string StatsRead = "stats:read";
    public const string WebhooksWrite = "webhooks:write";

    public static IReadOnlyList<string> All { get; } =
        [AttendeesRead, AttendeesWrite, CheckInsRead, ConflictsRead, SilosRead, StatsRead, WebhooksWrite];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}
