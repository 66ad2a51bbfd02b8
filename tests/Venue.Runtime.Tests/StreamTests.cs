using System.Collections.Concurrent;
using Venue.Runtime.Streams;

namespace Venue.Runtime.Tests;

public interface IReaderGrain : IStreamSubscriberGrain<string>
{
    Task<string[]> GetReads();
}

/// <summary>RFID reads for reader R arrive at <c>reader/R</c> without anyone subscribing it.</summary>
[ImplicitStreamSubscription("rfid")]
public sealed class ReaderGrain(ConcurrentQueue<string> activated) : Grain, IReaderGrain
{
    private readonly List<string> _reads = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        activated.Enqueue(GrainId.ToString());
        return Task.CompletedTask;
    }

    public Task OnNextAsync(StreamEvent<string> streamEvent)
    {
        _reads.Add($"{streamEvent.Sequence}:{streamEvent.Item}");
        return Task.CompletedTask;
    }

    public Task<string[]> GetReads() => Task.FromResult(_reads.ToArray());
}

public sealed class StreamTests
{
    private readonly ConcurrentQueue<string> _activatedReaders = new();

    private GrainRuntime Build() => new GrainRuntimeBuilder()
        .AddGrain<IReaderGrain, ReaderGrain>(() => new ReaderGrain(_activatedReaders))
        .Build();

    [Fact]
    public async Task An_explicit_subscriber_receives_every_item_in_sequence_order()
    {
        await using var runtime = Build();
        var stream = runtime.Streams.GetStream<string>(new StreamId("scans", "gate-1"));
        var received = new List<StreamEvent<string>>();
        using var subscription = stream.Subscribe(e =>
        {
            received.Add(e);
            return Task.CompletedTask;
        });

        Assert.Equal(1, await stream.OnNextAsync("a"));
        Assert.Equal(2, await stream.OnNextAsync("b"));
        Assert.Equal(3, await stream.OnNextAsync("c"));

        Assert.Equal(new[] { (1L, "a"), (2L, "b"), (3L, "c") }, received.Select(e => (e.Sequence, e.Item)));
        Assert.All(received, e => Assert.Equal(new StreamId("scans", "gate-1"), e.Stream));
    }

    [Fact]
    public async Task A_namespace_subscriber_receives_items_of_every_stream_in_its_namespace_and_no_other()
    {
        await using var runtime = Build();
        var received = new List<string>();
        using var subscription = runtime.Streams.SubscribeNamespace<string>("scans", e =>
        {
            received.Add($"{e.Stream}#{e.Sequence}:{e.Item}");
            return Task.CompletedTask;
        });

        await runtime.Streams.GetStream<string>(new StreamId("scans", "gate-1")).OnNextAsync("a");
        await runtime.Streams.GetStream<string>(new StreamId("scans", "gate-2")).OnNextAsync("b");
        await runtime.Streams.GetStream<string>(new StreamId("scans", "gate-1")).OnNextAsync("c");
        await runtime.Streams.GetStream<string>(new StreamId("alerts", "gate-1")).OnNextAsync("not mine");

        Assert.Equal(new[] { "scans/gate-1#1:a", "scans/gate-2#1:b", "scans/gate-1#2:c" }, received);
    }

    [Fact]
    public async Task An_implicitly_subscribed_grain_receives_the_items_of_the_stream_whose_key_is_its_key()
    {
        await using var runtime = Build();
        var north = runtime.Streams.GetStream<string>(new StreamId("rfid", "north"));

        await north.OnNextAsync("tag-1");
        await north.OnNextAsync("tag-2");
        await runtime.Streams.GetStream<string>(new StreamId("other", "south")).OnNextAsync("tag-3");

        Assert.Equal(new[] { "1:tag-1", "2:tag-2" }, await runtime.GetGrain<IReaderGrain>("north").GetReads());
        Assert.Equal(new[] { "reader/north" }, _activatedReaders);
    }

    [Fact]
    public async Task Items_without_subscribers_are_numbered_and_a_kept_handle_reaches_subscribers_that_come_later()
    {
        await using var runtime = Build();
        // Kept as telemetry grains keep theirs: the handle looks the stream up once.
        var kept = runtime.Streams.GetStream<string>(new StreamId("scans", "gate-1"));
        Assert.Equal(1, await kept.OnNextAsync("unseen-1"));
        Assert.Equal(2, await kept.OnNextAsync("unseen-2"));

        var byStream = new List<string>();
        var byNamespace = new List<string>();
        using var streamSubscription = runtime.Streams.GetStream<string>(new StreamId("scans", "gate-1")).Subscribe(e =>
        {
            byStream.Add($"{e.Sequence}:{e.Item}");
            return Task.CompletedTask;
        });
        using var namespaceSubscription = runtime.Streams.SubscribeNamespace<string>("scans", e =>
        {
            byNamespace.Add($"{e.Sequence}:{e.Item}");
            return Task.CompletedTask;
        });

        Assert.Equal(3, await kept.OnNextAsync("seen"));
        Assert.Equal(new[] { "3:seen" }, byStream);
        Assert.Equal(new[] { "3:seen" }, byNamespace);
    }

    [Fact]
    public async Task A_failing_subscriber_does_not_keep_the_item_from_the_others_and_the_publisher_hears_of_it()
    {
        await using var runtime = Build();
        var stream = runtime.Streams.GetStream<string>(new StreamId("rfid", "north"));
        var after = new List<string>();
        using var throwsAtOnce = stream.Subscribe(_ => throw new InvalidOperationException("sync failure"));
        using var faults = runtime.Streams.SubscribeNamespace<string>("rfid", _ => Task.FromException(new TimeoutException("async failure")));
        using var fine = runtime.Streams.SubscribeNamespace<string>("rfid", e =>
        {
            after.Add(e.Item);
            return Task.CompletedTask;
        });

        var failed = await Assert.ThrowsAsync<AggregateException>(() => stream.OnNextAsync("tag-1"));

        Assert.Equal(new[] { typeof(InvalidOperationException), typeof(TimeoutException) }, failed.InnerExceptions.Select(e => e.GetType()));
        Assert.Equal(new[] { "tag-1" }, after);
        Assert.Equal(new[] { "1:tag-1" }, await runtime.GetGrain<IReaderGrain>("north").GetReads());

        // The failure numbered the item all the same: the next one is 2, and still reaches everybody.
        await Assert.ThrowsAsync<AggregateException>(() => stream.OnNextAsync("tag-2"));
        Assert.Equal(new[] { "1:tag-1", "2:tag-2" }, await runtime.GetGrain<IReaderGrain>("north").GetReads());
        Assert.Equal(new[] { "tag-1", "tag-2" }, after);
    }

    [Fact]
    public async Task A_disposed_subscription_receives_nothing_more()
    {
        await using var runtime = Build();
        var stream = runtime.Streams.GetStream<string>(new StreamId("scans", "gate-1"));
        var byStream = new List<string>();
        var byNamespace = new List<string>();
        var byStreamSubscription = stream.Subscribe(e =>
        {
            byStream.Add(e.Item);
            return Task.CompletedTask;
        });
        var byNamespaceSubscription = runtime.Streams.SubscribeNamespace<string>("scans", e =>
        {
            byNamespace.Add(e.Item);
            return Task.CompletedTask;
        });

        await stream.OnNextAsync("before");
        byStreamSubscription.Dispose();
        byNamespaceSubscription.Dispose();
        await stream.OnNextAsync("after");

        Assert.Equal(new[] { "before" }, byStream);
        Assert.Equal(new[] { "before" }, byNamespace);
    }
}
