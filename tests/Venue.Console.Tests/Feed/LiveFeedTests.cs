using System.Text;
using Microsoft.Extensions.Options;
using Venue.Domain.CheckIn;
using Venue.Domain.Telemetry;
using Venue.OpsConsole.Feed;
using Venue.OpsConsole.Model;

namespace Venue.Console.Tests.Feed;

/// <summary>The feed on its own: sequence numbers, resuming, resync, and a slow client against the publisher.</summary>
public sealed class LiveFeedTests
{
    private static LiveFeed NewFeed(int replay = 64) =>
        new(Options.Create(new LiveFeedOptions { ReplayCapacity = replay }), TimeProvider.System);

    private static long Publish(LiveFeed feed, string text = "x") => feed.Publish("test", _ => Encoding.UTF8.GetBytes($"\"{text}\""));

    private static List<FeedFrame> Drain(FeedSubscription subscription)
    {
        var frames = new List<FeedFrame>();
        while (subscription.TryRead(out var frame))
        {
            frames.Add(frame);
        }

        return frames;
    }

    [Fact]
    public void Sequence_numbers_start_at_one_and_have_no_holes()
    {
        var feed = NewFeed();
        var numbers = Enumerable.Range(0, 10).Select(_ => Publish(feed)).ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), numbers);
        Assert.Equal(10, feed.Sequence);
    }

    [Fact]
    public void A_commit_that_publishes_nothing_uses_no_sequence_number()
    {
        var feed = NewFeed();
        Publish(feed);
        Assert.Equal(0, feed.Publish("test", _ => null));
        Assert.Equal(2, Publish(feed));
    }

    [Fact]
    public void Each_frame_carries_its_id_type_and_sequence_on_the_wire()
    {
        var feed = NewFeed();
        Publish(feed, "hello");
        using var subscription = feed.Subscribe(new FeedPosition(feed.Epoch, 0));
        var text = Encoding.UTF8.GetString(Assert.Single(Drain(subscription)).Bytes);
        Assert.StartsWith($"id: {feed.Epoch}-1\nevent: test\ndata: {{\"seq\":1,\"ts\":", text, StringComparison.Ordinal);
        Assert.EndsWith(",\"data\":\"hello\"}\n\n", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_client_resuming_from_its_last_event_gets_exactly_the_events_after_it()
    {
        var feed = NewFeed();
        for (var i = 0; i < 5; i++)
        {
            Publish(feed);
        }

        using var subscription = feed.Subscribe(new FeedPosition(feed.Epoch, 3));
        Publish(feed);
        Publish(feed);
        Assert.Null(subscription.Resync);
        Assert.Equal([4L, 5, 6, 7], Drain(subscription).Select(f => f.Sequence));
    }

    [Fact]
    public void A_client_further_behind_than_the_replay_buffer_is_told_to_resync()
    {
        var feed = NewFeed(replay: 16);
        for (var i = 0; i < 40; i++)
        {
            Publish(feed);
        }

        // 25..40 are held; resuming after 24 still works, after 23 it cannot.
        using (var edge = feed.Subscribe(new FeedPosition(feed.Epoch, 24)))
        {
            Assert.Null(edge.Resync);
            Assert.Equal(16, Drain(edge).Count);
        }

        using var behind = feed.Subscribe(new FeedPosition(feed.Epoch, 23));
        Assert.Equal(ResyncReason.Behind, behind.Resync);
        Assert.Empty(Drain(behind));
    }

    [Fact]
    public void An_id_from_an_earlier_run_or_from_the_future_is_told_to_resync()
    {
        var feed = NewFeed();
        Publish(feed);
        using var restarted = feed.Subscribe(new FeedPosition("0badf00d", 1));
        using var ahead = feed.Subscribe(new FeedPosition(feed.Epoch, 2));
        Assert.Equal(ResyncReason.Restarted, restarted.Resync);
        Assert.Equal(ResyncReason.Unknown, ahead.Resync);
        Assert.Equal(0, feed.Clients);
    }

    [Fact]
    public void A_slow_client_is_dropped_and_never_holds_the_publisher_back()
    {
        var feed = NewFeed(replay: 16);
        using var slow = feed.Subscribe(null);
        using var fast = feed.Subscribe(null);
        var fastSeen = new List<long>();

        // The slow client reads nothing while 1000 events go by. Every publish returns at once, however far behind it is.
        for (var i = 0; i < 1000; i++)
        {
            Assert.Equal(i + 1, Publish(feed));
            while (fast.TryRead(out var frame))
            {
                fastSeen.Add(frame.Sequence);
            }
        }

        // It finds out when it next reads: its next event was overwritten a ring ago.
        Assert.False(slow.TryRead(out _), "a dropped client gets nothing more, not events after a hole");
        Assert.True(slow.Dropped);
        Assert.False(slow.TryRead(out _));
        Assert.False(fast.Dropped);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), fastSeen);
        Assert.Equal(1, feed.SlowClientsDropped);
        Assert.Equal(1, feed.Clients);
    }

    [Fact]
    public void A_client_a_whole_ring_behind_still_reads_everything_and_one_event_more_drops_it()
    {
        var feed = NewFeed(replay: 16);
        using var atTheEdge = feed.Subscribe(null);
        using var past = feed.Subscribe(null);
        for (var i = 0; i < 16; i++)
        {
            Publish(feed);
        }

        Assert.Equal(Enumerable.Range(1, 16).Select(i => (long)i), Drain(atTheEdge).Select(f => f.Sequence));
        Publish(feed);
        Assert.Empty(Drain(past));
        Assert.True(past.Dropped);
        Assert.Equal([17L], Drain(atTheEdge).Select(f => f.Sequence));
        Assert.False(atTheEdge.Dropped);
        Assert.Equal(1, feed.SlowClientsDropped);
    }

    [Fact]
    public async Task A_waiting_reader_is_woken_by_the_next_event()
    {
        var feed = NewFeed();
        using var subscription = feed.Subscribe(null);
        var waiting = subscription.WhenReadable();
        Assert.False(waiting.IsCompleted);
        Publish(feed);
        await waiting.WithTimeout("the waiting reader to be woken");
    }

    [Fact]
    public void An_event_published_between_a_readers_last_look_and_its_wait_is_not_missed()
    {
        // The step the wake-up protocol hangs on: nobody was armed when this event was published, so
        // no signal fired; the reader's look after arming must see it rather than wait.
        var feed = NewFeed();
        using var subscription = feed.Subscribe(null);
        Assert.False(subscription.CanRead);
        Publish(feed);
        Assert.True(subscription.WhenReadable().IsCompleted, "the event published before arming was seen");
    }

    [Fact]
    public async Task A_reader_going_to_wait_as_an_event_is_published_is_always_woken()
    {
        // Each round the reader goes back to wait just as the next event is published: the window a
        // lost wake-up would fall into. A lost one leaves the publisher waiting for the reader.
        const int rounds = 5_000;
        var feed = NewFeed();
        using var subscription = feed.Subscribe(null);
        using var stop = new CancellationTokenSource();
        using var consumed = new SemaphoreSlim(0);
        var reader = Task.Run(async () =>
        {
            for (long expected = 1; expected <= rounds; expected++)
            {
                Assert.True(await subscription.WaitToReadAsync(stop.Token));
                Assert.True(subscription.TryRead(out var frame));
                Assert.Equal(expected, frame.Sequence);
                consumed.Release();
            }
        });

        try
        {
            for (var i = 1; i <= rounds; i++)
            {
                Publish(feed);
                Assert.True(await consumed.WaitAsync(Signal.Limit), $"the reader to be woken for event {i} of {rounds}");
            }

            await reader.WithTimeout("the reader to finish");
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    [Fact]
    public async Task Disconnecting_everyone_ends_their_streams_and_they_resume_where_they_were()
    {
        var feed = NewFeed();
        var subscription = feed.Subscribe(null);
        Publish(feed);
        Assert.Equal(1, feed.DisconnectAll());
        Assert.True(subscription.TryRead(out var seen));
        Assert.False(await subscription.WaitToReadAsync(CancellationToken.None));
        subscription.Dispose();

        Publish(feed);
        using var resumed = feed.Subscribe(new FeedPosition(feed.Epoch, seen!.Sequence));
        Assert.Equal([2L], Drain(resumed).Select(f => f.Sequence));
    }

    [Fact]
    public void A_snapshot_is_the_state_after_exactly_the_sequence_it_names()
    {
        var feed = NewFeed();
        var model = new ConsoleModel(feed, TimeProvider.System);
        model.DefineGate("G01", "Gate 1", "hall-a", "north", open: true);
        var at = DateTimeOffset.UtcNow;
        model.Scan(new ScanFact("G01", "north", ScanDirection.Entry, ScanReason.Admitted, "a1", at, 1));
        model.Scan(new ScanFact("G01", "north", ScanDirection.Entry, ScanReason.AlreadyInside, "a1", at, 2));
        model.Occupancy(new ZoneOccupancyChanged("hall-a", 850, 1000, ZoneLevel.Warn, at, at));

        var snapshot = model.Snapshot();
        Assert.Equal(3, snapshot.Seq);
        var gate = Assert.Single(snapshot.Gates);
        Assert.Equal((2L, 1L, 1L), (gate.Scans, gate.Admitted, gate.Refused));
        Assert.Equal(1, gate.Refusals["already_inside"]);
        Assert.Equal(2, gate.Minutes[^1].Count);
        Assert.Equal("warn", Assert.Single(snapshot.Zones).Level);
    }

    [Fact]
    public void A_board_keeps_a_few_entries_below_its_top_and_its_top_is_still_the_true_one()
    {
        var model = new ConsoleModel(NewFeed(), TimeProvider.System);
        var random = new Random(7);
        var scores = new Dictionary<string, long>();
        var at = DateTimeOffset.UtcNow;
        // 3,000 awards to 1,000 attendees: each event carries the attendee's whole score, which only grows.
        for (var i = 0; i < 3_000; i++)
        {
            var id = $"A{random.Next(1_000):0000}";
            scores[id] = scores.GetValueOrDefault(id) + random.Next(1, 26);
            model.Leader(new LeaderboardChanged("attendees", id, scores[id], 0, at));
        }

        var top = Assert.Single(model.Snapshot().Leaderboards).Entries;
        var expected = scores.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal).Take(ConsoleModel.LeadersShown).Select(s => (s.Key, s.Value));
        Assert.Equal(expected, top.Select(e => (e.Id, e.Score)));
        Assert.Equal(ConsoleModel.LeadersKept, model.KeptLeaders("attendees"));
    }

    [Fact]
    public void A_conflict_view_read_before_its_acknowledgement_does_not_undo_it()
    {
        var feed = NewFeed();
        var model = new ConsoleModel(feed, TimeProvider.System);
        var at = DateTimeOffset.UtcNow;
        var found = new ConflictView(7, "a1", new PassageView("north", "N01", at, 3), new PassageView("south", "S01", at, 9), at, null, null);
        model.Conflict(found);
        var acknowledged = model.Conflict(found with { AcknowledgedAt = at.AddSeconds(5), AcknowledgedBy = "ops:desk" });

        // Central's refresh read the store just before the acknowledgement and hands in what it read.
        var stale = model.Conflict(found);

        Assert.Equal(0, stale); // nothing published
        Assert.Equal(acknowledged, feed.Sequence);
        Assert.Equal("ops:desk", Assert.Single(model.Snapshot().Conflicts).AcknowledgedBy);
    }

    [Fact]
    public void An_alert_keeps_its_id_through_clearing_and_acknowledgement()
    {
        var feed = NewFeed();
        var model = new ConsoleModel(feed, TimeProvider.System);
        var at = DateTimeOffset.UtcNow;
        var id = model.Alert(new ZoneAlert("hall-a", ZoneLevel.Alert, true, 920, 1000, at));
        Assert.Equal(0, model.Alert(new ZoneAlert("hall-b", ZoneLevel.Alert, false, 10, 1000, at)));
        Assert.NotNull(model.AcknowledgeAlert(id, "ops:desk"));
        model.Alert(new ZoneAlert("hall-a", ZoneLevel.Alert, false, 700, 1000, at));

        var alert = Assert.Single(model.Snapshot().Alerts);
        Assert.Equal((id, false, "ops:desk"), (alert.Id, alert.Active, alert.AcknowledgedBy));
        Assert.Null(model.AcknowledgeAlert(999, "ops:desk"));
    }
}
