namespace Venue.Domain.Leaderboards;

/// <summary>A board's scores and the awards made, rebuilt from the read journal on restart.</summary>
public sealed class LeaderboardState
{
    /// <summary>
    /// Each entry with its score and the awards made to it. Awards sit under their entry rather than
    /// in one board-wide (entry, reason) table: that table grows with every award (hundreds of
    /// thousands in a day), and each time it doubled, one award's turn copied all of it while 500
    /// concurrent awards queued behind (a 17 to 40 ms stall in the leaderboard bench).
    /// </summary>
    public Dictionary<string, LeaderboardEntryState> Entries { get; } = new(StringComparer.Ordinal);

    /// <summary>Increments per applied award: "reached first" without trusting clocks.</summary>
    public long Order { get; set; }
}

/// <summary>An entry's score, the order in which it reached it (ties rank by it), and its awards.</summary>
public sealed class LeaderboardEntryState
{
    public long Score { get; set; }

    public long ReachedOrder { get; set; }

    /// <summary>Reasons already awarded, each with the request that applied it (0: none named).</summary>
    public Dictionary<string, long> Awards { get; } = new(StringComparer.Ordinal);
}
