using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using Venue.Console.Tests.Infrastructure;
using Venue.OpsConsole.Feed;

namespace Venue.Console.Tests.Feed;

/// <summary>
/// One client's stream body as the feed writes it, without HTTP: coalesced writes on fake time, the
/// slow client, disconnection, and many publishers and clients at once.
/// </summary>
public sealed class FeedStreamWriterTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(15);

    private static LiveFeed NewFeed(TimeProvider time, int replay = 64, TimeSpan? interval = null, TimeSpan? heartbeat = null) =>
        new(Options.Create(new LiveFeedOptions
        {
            ReplayCapacity = replay,
            WriteInterval = interval ?? Interval,
            Heartbeat = heartbeat ?? Heartbeat,
        }), time);

    /// <summary>A client subscribed from now and its stream being written; disposing ends both.</summary>
    private sealed class Writing : IDisposable
    {
        public Writing(LiveFeed feed, TimeProvider time)
        {
            Subscription = feed.Subscribe(null);
            Stream = FeedStreamWriter.WriteAsync(feed, Subscription, Body, time, Stop.Token);
        }

        public FeedSubscription Subscription { get; }

        public RecordingBody Body { get; } = new();

        public CancellationTokenSource Stop { get; } = new();

        public Task Stream { get; }

        public void Dispose()
        {
            Stop.Dispose();
            Subscription.Dispose();
        }
    }

    private static long Publish(LiveFeed feed) => feed.Publish("test", seq => Encoding.UTF8.GetBytes(seq.ToString(CultureInfo.InvariantCulture)));

    private static Task TimerDueAsync(ManualTimeProvider time, DateTimeOffset due, string awaited) =>
        Eventually.UntilAsync(() => Task.FromResult(time.EarliestDue == due), Signal.Limit, () => $"{awaited} (earliest timer due: {time.EarliestDue:O}, awaited {due:O})");

    [Fact]
    public async Task Events_published_between_two_writes_go_out_in_one_write_in_order_and_the_next_write_waits_for_the_interval()
    {
        var time = new ManualTimeProvider();
        var feed = NewFeed(time);
        using var writing = new Writing(feed, time);
        var (subscription, body, stop, stream) = (writing.Subscription, writing.Body, writing.Stop, writing.Stream);
        Assert.Empty((await body.NextFlushAsync("the stream's opening bytes")).Events);
        var openedAt = time.GetUtcNow();

        // Right after a flush: these wait for the interval, whenever the writer wakes.
        for (var i = 0; i < 50; i++)
        {
            Publish(feed);
        }

        await TimerDueAsync(time, openedAt + Interval, "the stream to wait out the write interval");
        Assert.Single(body.Flushes);
        time.Advance(Interval);
        var batch = await body.NextFlushAsync("the batch of 50 events");
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), batch.Sequences);
        Assert.Equal(batch.Sequences, batch.Events.Select(e => e.Seq));

        // One more right after that write waits too: at most one write per interval.
        Publish(feed);
        await TimerDueAsync(time, openedAt + (2 * Interval), "the stream to wait out the write interval again");
        Assert.Equal(2, body.Flushes.Count);
        time.Advance(Interval);
        Assert.Equal([51L], (await body.NextFlushAsync("event 51")).Sequences);

        await stop.CancelAsync();
        await stream.WithTimeout("the stream to end when the client goes");
    }

    [Fact]
    public async Task A_single_event_on_a_stream_idle_for_longer_than_the_interval_goes_out_at_once()
    {
        var time = new ManualTimeProvider();
        var interval = TimeSpan.FromSeconds(1);
        var feed = NewFeed(time, interval: interval);
        using var writing = new Writing(feed, time);
        var (subscription, body, stop, stream) = (writing.Subscription, writing.Body, writing.Stop, writing.Stream);
        await body.NextFlushAsync("the stream's opening bytes");
        var openedAt = time.GetUtcNow();
        await TimerDueAsync(time, openedAt + Heartbeat, "the stream to wait for events");

        time.Advance(interval);
        Publish(feed);
        // The clock stands still from here: only a write that does not wait can arrive.
        Assert.Equal([1L], (await body.NextFlushAsync("the event on the idle stream")).Sequences);
        Assert.Equal(openedAt + interval, time.GetUtcNow());

        await stop.CancelAsync();
        await stream.WithTimeout("the stream to end when the client goes");
    }

    [Fact]
    public async Task A_quiet_stream_gets_a_ping_event_without_an_id_every_heartbeat()
    {
        var time = new ManualTimeProvider();
        var feed = NewFeed(time);
        using var writing = new Writing(feed, time);
        var (subscription, body, stop, stream) = (writing.Subscription, writing.Body, writing.Stop, writing.Stream);
        await body.NextFlushAsync("the stream's opening bytes");
        var openedAt = time.GetUtcNow();

        await TimerDueAsync(time, openedAt + Heartbeat, "the stream to wait for events");
        time.Advance(Heartbeat);
        var beat = await body.NextFlushAsync("a ping");
        Assert.Equal((0, 1), (beat.Events.Count, beat.Pings));
        Assert.Equal("event: ping\ndata: {}\n\n", beat.Text);

        await TimerDueAsync(time, openedAt + (2 * Heartbeat), "the stream to wait for events again");
        Publish(feed);
        Assert.Equal([1L], (await body.NextFlushAsync("the event after the ping")).Sequences);

        await stop.CancelAsync();
        await stream.WithTimeout("the stream to end when the client goes");
    }

    [Theory]
    [InlineData(16, false)]
    [InlineData(17, true)]
    public async Task A_client_more_than_the_ring_behind_gets_resync_slow_and_nothing_after(int publishedWhileStalled, bool dropped)
    {
        var time = new ManualTimeProvider();
        var feed = NewFeed(time, replay: 16, interval: TimeSpan.Zero);
        using var subscription = feed.Subscribe(null);
        var body = new RecordingBody();
        using var stop = new CancellationTokenSource();
        // The client's socket is full from the start: the writer is stuck in its first flush.
        body.Stall();
        var stream = FeedStreamWriter.WriteAsync(feed, subscription, body, time, stop.Token);
        await body.NextFlushAsync("the stream's opening bytes");
        for (var i = 0; i < publishedWhileStalled; i++)
        {
            Publish(feed);
        }

        body.Release();
        var next = await body.NextFlushAsync("what the client gets once its socket drains");
        if (!dropped)
        {
            Assert.Equal(Enumerable.Range(1, publishedWhileStalled).Select(i => (long)i), next.Sequences);
            Assert.False(stream.IsCompleted);
            Assert.Equal(0, feed.SlowClientsDropped);
            await stop.CancelAsync();
            await stream.WithTimeout("the stream to end when the client goes");
            return;
        }

        var resync = Assert.Single(next.Events);
        Assert.Equal("resync", resync.Type);
        Assert.Null(resync.Id);
        Assert.Equal("slow", resync.Json.GetProperty("reason").GetString());
        Assert.Equal(publishedWhileStalled, resync.Json.GetProperty("seq").GetInt64());
        await stream.WithTimeout("the stream to end after the resync");

        Publish(feed);
        Assert.Equal(2, body.Flushes.Count);
        Assert.Equal(1, feed.SlowClientsDropped);
        Assert.Equal(0, feed.Clients);
    }

    [Fact]
    public async Task Disconnecting_everyone_ends_every_stream_after_what_was_published_before_it()
    {
        var time = new ManualTimeProvider();
        var feed = NewFeed(time, interval: TimeSpan.Zero);
        var subscriptions = Enumerable.Range(0, 3).Select(_ => feed.Subscribe(null)).ToList();
        var bodies = subscriptions.Select(_ => new RecordingBody()).ToList();
        var streams = subscriptions.Select((s, i) => FeedStreamWriter.WriteAsync(feed, s, bodies[i], time, CancellationToken.None)).ToList();
        foreach (var body in bodies)
        {
            await body.NextFlushAsync("a stream's opening bytes");
        }

        for (var i = 0; i < 3; i++)
        {
            Publish(feed);
        }

        foreach (var body in bodies)
        {
            while (!(await body.NextFlushAsync("a stream to send events 1 to 3")).Sequences.Contains(3))
            {
            }
        }

        // Every stream is waiting for more (its heartbeat armed), and nothing is published after the
        // disconnection: it alone must wake them.
        await Eventually.UntilAsync(() => Task.FromResult(time.ArmedTimerCount == 3), Signal.Limit, "every stream to wait for more events");
        Assert.Equal(3, feed.DisconnectAll());
        await Task.WhenAll(streams).WithTimeout("every stream to end");
        Publish(feed);
        Assert.All(bodies, body => Assert.Equal([1L, 2, 3], body.Events.Select(e => e.Seq)));
        Assert.Equal(0, feed.Clients);

        // The clients reconnect and resume where they were.
        using var resumed = feed.Subscribe(new FeedPosition(feed.Epoch, 3));
        Assert.True(resumed.TryRead(out var frame));
        Assert.Equal(4, frame.Sequence);
        subscriptions.ForEach(s => s.Dispose());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task Concurrent_publishers_and_clients_coming_and_going_each_see_a_strictly_consecutive_sequence(int intervalMilliseconds)
    {
        const int publishers = 4;
        const int eventsEach = 2_500;
        const int clients = 6;
        const long total = publishers * eventsEach;
        // The ring holds every event, so a gap can only be a bug; and the heartbeat is too far off to
        // cover for a lost wake-up within the time limit.
        var feed = NewFeed(TimeProvider.System, replay: 16_384, interval: TimeSpan.FromMilliseconds(intervalMilliseconds), heartbeat: TimeSpan.FromHours(1));
        using var abandon = new CancellationTokenSource();
        var readers = Enumerable.Range(0, clients).Select(c => Task.Run(() => ReadToTheEndAsync(feed, c, total, abandon.Token))).ToArray();
        var writers = Enumerable.Range(0, publishers).Select(_ => Task.Run(() =>
        {
            for (var i = 0; i < eventsEach; i++)
            {
                Publish(feed);
            }
        })).ToArray();

        try
        {
            await Task.WhenAll(writers).WithTimeout("the publishers");
            Assert.Equal(total, feed.Sequence);
            var connections = await Task.WhenAll(readers).WithTimeout("every client to read up to the last event (a lost wake-up leaves one waiting)");
            Assert.True(connections.Sum() > clients, "clients reconnected along the way");
        }
        finally
        {
            await abandon.CancelAsync();
        }

        Assert.Equal(0, feed.Clients);
        Assert.Equal(0, feed.SlowClientsDropped);
    }

    /// <summary>
    /// One client: hangs up after a few hundred events, as a flaky connection does, and reconnects
    /// from the last event it received, until it has the last one. Returns how often it connected.
    /// </summary>
    private static async Task<int> ReadToTheEndAsync(LiveFeed feed, int client, long last, CancellationToken abandon)
    {
        var random = new Random(client);
        // Even clients resume from the very start, odd ones start live wherever the feed then is.
        long? position = client % 2 == 0 ? 0 : null;
        var connections = 0;
        while (position != last)
        {
            abandon.ThrowIfCancellationRequested();
            connections++;
            using var subscription = feed.Subscribe(position is { } p ? new FeedPosition(feed.Epoch, p) : null);
            Assert.Null(subscription.Resync);
            var from = subscription.Position;
            if (from == last)
            {
                position = last;
                break;
            }

            var quota = random.Next(1, 500);
            using var hangUp = CancellationTokenSource.CreateLinkedTokenSource(abandon);
            var received = 0;
            var body = new RecordingBody
            {
                Flushed = flush =>
                {
                    received += flush.Events.Count;
                    if (received >= quota || flush.Sequences.Contains(last))
                    {
                        hangUp.Cancel();
                    }
                },
            };
            await FeedStreamWriter.WriteAsync(feed, subscription, body, TimeProvider.System, hangUp.Token);

            var sequences = body.Events.Select(e => FeedPosition.TryParse(e.Id, out var at) ? at.Sequence : -1).ToList();
            Assert.True(sequences.SequenceEqual(Enumerable.Range(1, sequences.Count).Select(i => from + i)),
                $"client {client}, connection {connections}: after {from} got {string.Join(",", sequences.Take(20))}...");
            position = from + sequences.Count;
        }

        return connections;
    }

    [Theory]
    [InlineData("00:00:00", true)]
    [InlineData("00:00:00.010", true)]
    [InlineData("00:00:01", true)]
    [InlineData("00:00:01.001", false)]
    [InlineData("-00:00:00.001", false)]
    public void The_write_interval_is_between_zero_and_one_second(string interval, bool valid)
    {
        var options = new LiveFeedOptions { WriteInterval = TimeSpan.Parse(interval, CultureInfo.InvariantCulture) };
        Assert.Equal(valid, Validator.TryValidateObject(options, new ValidationContext(options), null, validateAllProperties: true));
    }
}
