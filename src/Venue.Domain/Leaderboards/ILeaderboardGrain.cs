using Venue.Runtime;

namespace Venue.Domain.Leaderboards;

/// <summary>
/// A leaderboard, keyed by board name (<see cref="LeaderboardNames"/>). Rank 1 is the top; equal
/// scores rank by who reached that score first, then by id.
/// </summary>
[GrainType("leaderboard")]
public interface ILeaderboardGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds points to an entry (creating it), once per (id, reason): a second award with the same
    /// reason changes nothing and says so, unless it names the same non-zero <paramref name="request"/>
    /// as the award that applied (a retry of it): then it changes nothing and answers applied, as the
    /// first did. Publishes <see cref="Telemetry.LeaderboardChanged"/> when applied.
    /// </summary>
    Task<PointsAward> AddPointsAsync(string id, long points, string reason, long request = 0);

    [ReadOnly]
    Task<IReadOnlyList<LeaderboardEntry>> GetTopAsync(int n);

    /// <summary>The entry with its rank; null when it has no points.</summary>
    [ReadOnly]
    Task<LeaderboardEntry?> GetRankAsync(string id);
}

/// <summary>An entry of a board: its score and rank (1 = top).</summary>
public sealed record LeaderboardEntry(string Id, long Score, int Rank);

/// <summary>What an award did: <see cref="Applied"/> is false when that reason had already been awarded to the entry.</summary>
public sealed record PointsAward(bool Applied, LeaderboardEntry Entry);
