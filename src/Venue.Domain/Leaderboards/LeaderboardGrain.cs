using System.Runtime.InteropServices;
using Venue.Domain.Telemetry;
using Venue.Runtime;
using Venue.Runtime.Streams;

namespace Venue.Domain.Leaderboards;

public sealed class LeaderboardGrain : Grain<LeaderboardState>, ILeaderboardGrain
{
    private RankedSet<Ranked> _ranking = new(RankOrder.Instance);
    private IAsyncStream<LeaderboardChanged>? _changes;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The ranking is derived: rebuild it from the stored scores.
        _ranking = new RankedSet<Ranked>(RankOrder.Instance);
        foreach (var (id, entry) in State.Entries)
        {
            _ranking.Add(new Ranked(entry.Score, entry.ReachedOrder, id));
        }

        return Task.CompletedTask;
    }

    public async Task<PointsAward> AddPointsAsync(string id, long points, string reason, long request = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(reason);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(points);
        ArgumentOutOfRangeException.ThrowIfNegative(request);
        ref var slot = ref CollectionsMarshal.GetValueRefOrAddDefault(State.Entries, id, out var known);
        var entry = slot ??= new LeaderboardEntryState();
        if (entry.Awards.TryGetValue(reason, out var appliedBy))
        {
            // The request that applied it, asking again (a retry), hears what it heard the first time.
            return new PointsAward(request != 0 && appliedBy == request, Current(id, entry));
        }

        entry.Awards.Add(reason, request);
        if (known)
        {
            _ranking.Remove(new Ranked(entry.Score, entry.ReachedOrder, id));
        }

        entry.Score += points;
        entry.ReachedOrder = ++State.Order;
        var score = entry.Score;
        var ranked = new Ranked(score, entry.ReachedOrder, id);
        _ranking.Add(ranked);
        await WriteStateAsync();

        var rank = _ranking.RankOf(ranked);
        await (_changes ??= Streams.GetStream<LeaderboardChanged>(new(TelemetryStreams.Leaderboards, Key)))
            .OnNextAsync(new LeaderboardChanged(Key, id, score, rank, Time.GetUtcNow()));
        return new PointsAward(true, new LeaderboardEntry(id, score, rank));
    }

    public Task<IReadOnlyList<LeaderboardEntry>> GetTopAsync(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var top = _ranking.Take(n);
        var entries = new LeaderboardEntry[top.Count];
        for (var i = 0; i < top.Count; i++)
        {
            entries[i] = new LeaderboardEntry(top[i].Id, top[i].Score, i + 1);
        }

        return Task.FromResult<IReadOnlyList<LeaderboardEntry>>(entries);
    }

    public Task<LeaderboardEntry?> GetRankAsync(string id) =>
        Task.FromResult(State.Entries.TryGetValue(id, out var entry) ? Current(id, entry) : null);

    /// <summary>An entry as it stands (an entry exists only once an award to it has applied).</summary>
    private LeaderboardEntry Current(string id, LeaderboardEntryState entry) =>
        new(id, entry.Score, _ranking.RankOf(new Ranked(entry.Score, entry.ReachedOrder, id)));

    private readonly record struct Ranked(long Score, long ReachedOrder, string Id);

    /// <summary>Higher score first; on a tie, who reached it first; then id, so the order is total.</summary>
    private sealed class RankOrder : IComparer<Ranked>
    {
        public static readonly RankOrder Instance = new();

        public int Compare(Ranked x, Ranked y)
        {
            var c = y.Score.CompareTo(x.Score);
            if (c == 0)
            {
                c = x.ReachedOrder.CompareTo(y.ReachedOrder);
            }

            return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
        }
    }
}
