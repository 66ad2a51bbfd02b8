using Venue.Domain.Leaderboards;

namespace Venue.Domain.Tests.Leaderboards;

public sealed class LeaderboardGrainTests : IAsyncLifetime
{
    private readonly TelemetryRig _rig = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    private ILeaderboardGrain Board => _rig.Board(LeaderboardNames.Attendees);

    [Fact]
    public async Task Points_add_up_and_rank_1_is_the_highest_score()
    {
        await Board.AddPointsAsync("A-1", 10, "session:s1");
        await Board.AddPointsAsync("A-2", 15, "booth:B1");
        await Board.AddPointsAsync("A-1", 25, "challenge:quiz");

        var top = await Board.GetTopAsync(10);

        Assert.Equal([new LeaderboardEntry("A-1", 35, 1), new LeaderboardEntry("A-2", 15, 2)], top);
        Assert.Equal(new LeaderboardEntry("A-2", 15, 2), await Board.GetRankAsync("A-2"));
        Assert.Null(await Board.GetRankAsync("A-9"));
    }

    [Fact]
    public async Task Equal_scores_rank_by_who_reached_the_score_first()
    {
        await Board.AddPointsAsync("Z-late", 5, "r1");
        await Board.AddPointsAsync("A-early", 10, "r1");
        await Board.AddPointsAsync("Z-late", 5, "r2"); // reaches 10 after A-early did
        await Board.AddPointsAsync("M-same", 10, "r1");

        var top = await Board.GetTopAsync(3);

        Assert.Equal(["A-early", "Z-late", "M-same"], top.Select(e => e.Id));
        Assert.Equal([1, 2, 3], top.Select(e => e.Rank));
    }

    [Fact]
    public async Task The_same_reason_awards_points_to_an_entry_only_once()
    {
        var first = await Board.AddPointsAsync("A-1", 15, LeaderboardNames.BoothReason("B1"));
        var again = await Board.AddPointsAsync("A-1", 15, LeaderboardNames.BoothReason("B1"));
        var other = await Board.AddPointsAsync("A-2", 15, LeaderboardNames.BoothReason("B1"));

        Assert.True(first.Applied);
        Assert.False(again.Applied);
        Assert.Equal(15, again.Entry.Score);
        Assert.True(other.Applied);
        Assert.Equal(15, (await Board.GetRankAsync("A-1"))!.Score);
    }

    [Fact]
    public async Task A_retry_of_the_request_that_applied_an_award_answers_applied_and_adds_nothing()
    {
        var first = await Board.AddPointsAsync("A-1", 25, "challenge:quiz", request: 7);
        var retry = await Board.AddPointsAsync("A-1", 25, "challenge:quiz", request: 7);
        var other = await Board.AddPointsAsync("A-1", 25, "challenge:quiz", request: 8);
        var unnamed = await Board.AddPointsAsync("A-1", 25, "challenge:quiz");

        Assert.Equal((true, true, false, false), (first.Applied, retry.Applied, other.Applied, unnamed.Applied));
        Assert.Equal([25L, 25L, 25L, 25L], new[] { first, retry, other, unnamed }.Select(a => a.Entry.Score));
        Assert.Single(_rig.Leaderboards.Items);
    }

    [Fact]
    public async Task Each_applied_award_is_published_with_the_new_score_and_rank()
    {
        await Board.AddPointsAsync("A-1", 10, "r1");
        await Board.AddPointsAsync("A-2", 20, "r1");
        await Board.AddPointsAsync("A-2", 20, "r1");

        Assert.Equal(
            [("attendees", "A-1", 10L, 1), ("attendees", "A-2", 20L, 1)],
            _rig.Leaderboards.Items.Select(c => (c.Board, c.Id, c.Score, c.Rank)));
    }

    [Fact]
    public async Task Ranks_survive_the_board_being_collected_and_reactivated()
    {
        await Board.AddPointsAsync("A-1", 10, "r1");
        await Board.AddPointsAsync("A-2", 30, "r1");
        _rig.Time.Advance(TimeSpan.FromDays(400));
        await _rig.Runtime.CollectIdleActivationsAsync();

        Assert.Equal(2, (await Board.GetRankAsync("A-1"))!.Rank);
        Assert.False((await Board.AddPointsAsync("A-1", 10, "r1")).Applied);
    }

    [Fact]
    public async Task Non_positive_points_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Board.AddPointsAsync("A-1", 0, "r1"));
    }
}

public sealed class RankedSetTests
{
    [Fact]
    public void Ranks_agree_with_a_full_sort_through_many_random_updates()
    {
        var random = new Random(7);
        var set = new RankedSet<int>(Comparer<int>.Default);
        var model = new SortedSet<int>();
        for (var i = 0; i < 5000; i++)
        {
            var value = random.Next(2000);
            if (model.Remove(value))
            {
                set.Remove(value);
            }
            else
            {
                model.Add(value);
                set.Add(value);
            }
        }

        var sorted = model.ToList();
        Assert.Equal(sorted.Count, set.Count);
        Assert.Equal(sorted.Take(50), set.Take(50));
        for (var i = 0; i < sorted.Count; i += 37)
        {
            Assert.Equal(i + 1, set.RankOf(sorted[i]));
        }
    }
}
