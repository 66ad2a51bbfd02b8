namespace Venue.Domain.Leaderboards;

/// <summary>A board's scores and the awards made, rebuilt from the read journal on restart.</summary>
public sealed class LeaderboardState
{
    /// <summary>Score, and the order in which the entry reached it (ties rank by it).</summary>
    public Dictionary<string, (long Score, long ReachedOrder)> Entries { get; } = new(StringComparer.Ordinal);

    /// <summary>(id, reason) pairs already awarded, each with the request that applied it (0: none named).</summary>
    public Dictionary<(string Id, string Reason), long> Awards { get; } = [];

    /// <summary>Increments per applied award: "reached first" without trusting clocks.</summary>
    public long Order { get; set; }
}
