using Venue.Central.Silo;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;

namespace Venue.Central.Tests.Sync;

/// <summary>The change feed's hand-off of stored check-ins to central's one in-process follower.</summary>
public sealed class ChangeFeedHandOffTests
{
    [Fact]
    public void Without_a_follower_nothing_is_kept_and_the_feed_still_advances()
    {
        var feed = new ChangeFeed(0, 0);
        feed.CheckInsStored(Stored(1, 10));
        Assert.Equal(10, feed.FeedId);
        Assert.False(feed.TryTakeStored(out _));
    }

    [Fact]
    public void A_follower_takes_each_batch_once_in_the_order_it_was_stored()
    {
        var feed = new ChangeFeed(0, 0);
        feed.Follow();
        feed.CheckInsStored(Stored(1, 3));
        feed.CheckInsStored(Stored(4, 2));
        Assert.Equal(5, feed.FeedId);
        Assert.True(feed.TryTakeStored(out var first));
        Assert.Equal([1L, 2, 3], first.Select(c => c.FeedId));
        Assert.True(feed.TryTakeStored(out var second));
        Assert.Equal([4L, 5], second.Select(c => c.FeedId));
        Assert.False(feed.TryTakeStored(out _));
    }

    [Fact]
    public void Past_its_capacity_a_batch_is_not_kept_and_is_counted_as_dropped()
    {
        var feed = new ChangeFeed(0, 0);
        feed.Follow();
        feed.CheckInsStored(Stored(1, ChangeFeed.HandOffCapacity - 5));
        feed.CheckInsStored(Stored(ChangeFeed.HandOffCapacity - 4, 10));
        Assert.Equal(1, feed.HandOffsDropped);
        Assert.Equal(ChangeFeed.HandOffCapacity + 5, feed.FeedId);

        // Once the follower has taken what waited, there is room again.
        Assert.True(feed.TryTakeStored(out _));
        feed.CheckInsStored(Stored(ChangeFeed.HandOffCapacity + 6, 10));
        Assert.True(feed.TryTakeStored(out var next));
        Assert.Equal(ChangeFeed.HandOffCapacity + 6, next[0].FeedId);
        Assert.Equal(1, feed.HandOffsDropped);
    }

    [Fact]
    public void A_second_follower_is_refused_and_unfollowing_lets_go_of_what_waited()
    {
        var feed = new ChangeFeed(0, 0);
        feed.Follow();
        Assert.Throws<InvalidOperationException>(feed.Follow);
        feed.CheckInsStored(Stored(1, 3));
        feed.Unfollow();
        Assert.False(feed.TryTakeStored(out _));
        feed.CheckInsStored(Stored(4, 3));
        Assert.False(feed.TryTakeStored(out _));
        feed.Follow();
    }

    private static List<StoredCheckIn> Stored(long firstFeedId, int count) =>
        [.. Enumerable.Range(0, count).Select(i =>
        {
            var at = DateTimeOffset.UnixEpoch.AddSeconds(i);
            var entry = new JournalEntry("G01", $"a{firstFeedId + i}", ScanDirection.Entry, ScanReason.Admitted, $"n{firstFeedId + i}", at, at)
            {
                Sequence = firstFeedId + i,
                Hlc = firstFeedId + i,
            };
            return new StoredCheckIn("north", entry, firstFeedId + i, at, false);
        })];
}
