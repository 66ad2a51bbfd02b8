using Venue.Domain.Readers;
using Venue.Messaging.RabbitMq;
using Venue.Messaging.Tests.Support;
using Venue.Testing.RabbitMq;
using Xunit.Abstractions;

namespace Venue.Messaging.Tests;

/// <summary>Reads from a real reader (mosquitto_pub at QoS 1) through RabbitMQ's MQTT plugin to the sink.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class ReaderQueueConsumerTests(RabbitMqFixture broker, ITestOutputHelper output)
{
    private bool Met() =>
        broker.Met(output) && Requirement.Met(MosquittoReader.Executable is not null, "mosquitto_pub (mosquitto-clients)", output);

    [Fact]
    public async Task A_read_published_on_the_default_zebra_topic_reaches_the_sink_with_reader_epc_antenna_rssi_and_time()
    {
        if (!Met())
        {
            return;
        }

        await using var queue = new ReadsQueue(broker.Server!, vendor: "zebra");
        queue.Options.BindingPatterns = null;
        var sink = new JournalingSink("r1");
        await using var consumer = await Consumers.StartedAsync(queue.Options, sink);

        await new MosquittoReader(broker.Server!).PublishAsync("zebra/r1/data", ZebraJson.Event(1841, antenna: 2, peakRssi: -61));

        await sink.JournaledAsync(1);
        Assert.Equal(new TagRead("r1", 1841, ZebraJson.Epc(1841), 2, -61, ZebraJson.ReadAt), Assert.Single(sink.Journal));
        await Venue.Testing.Processes.Eventually.UntilAsync(() => Task.FromResult(consumer.Stats.AckedReads == 1), TimeSpan.FromSeconds(10),
            () => $"the read to be acknowledged ({consumer.Stats})");
        Assert.Equal(0u, await queue.ReadyAsync());
    }

    [Fact]
    public async Task A_reader_publishing_at_qos_0_is_counted_and_named_in_the_stats_and_its_reads_are_still_taken_in()
    {
        if (!Met())
        {
            return;
        }

        await using var queue = new ReadsQueue(broker.Server!);
        var sink = new JournalingSink("careful", "careless");
        await using var consumer = await Consumers.StartedAsync(queue.Options, sink);
        var reader = new MosquittoReader(broker.Server!);

        // QoS 0 becomes a transient message: a broker restart would lose it, and nothing else would tell.
        Assert.True(await reader.TryPublishAsync(queue.Topic("careless"), ZebraJson.Event(1), qos: 0));
        Assert.True(await reader.TryPublishAsync(queue.Topic("careless"), ZebraJson.Event(2), qos: 0));
        await reader.PublishAsync(queue.Topic("careful"), ZebraJson.Event(3));

        await sink.JournaledAsync(3);
        await Venue.Testing.Processes.Eventually.UntilAsync(() => Task.FromResult(consumer.Stats.AckedReads == 3), TimeSpan.FromSeconds(10),
            () => $"the reads to be acknowledged ({consumer.Stats})");
        var stats = consumer.Stats;
        Assert.Equal(2, stats.AtMostOnce);
        Assert.Equal(["careless"], stats.AtMostOnceReaders);
        Assert.Contains("QoS 0 messages 2 (careless)", stats.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batched_message_from_a_reader_arrives_as_all_its_reads_in_order()
    {
        if (!Met())
        {
            return;
        }

        await using var queue = new ReadsQueue(broker.Server!);
        var sink = new JournalingSink("r1");
        await using var consumer = await Consumers.StartedAsync(queue.Options, sink);

        await new MosquittoReader(broker.Server!).PublishAsync(queue.Topic("r1"), ZebraJson.Array(Enumerable.Range(1, 50).Select(i => (long)i)));

        await sink.JournaledAsync(50);
        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), sink.Journal.Select(r => r.EventNum));
        Assert.Single(sink.Calls);
    }

    [Fact]
    public async Task Many_messages_from_several_readers_all_arrive_once_each_in_batches_no_larger_than_the_maximum()
    {
        if (!Met())
        {
            return;
        }

        await using var queue = new ReadsQueue(broker.Server!);
        queue.Options.MaxBatch = 100;
        var sink = new JournalingSink("r1", "r2");
        await using var consumer = await Consumers.StartedAsync(queue.Options, sink);
        var reader = new MosquittoReader(broker.Server!);

        // -l: one message per line, as a reader replaying its buffer after an outage.
        await Task.WhenAll(
            reader.PublishLinesAsync(queue.Topic("r1"), Enumerable.Range(0, 1000).Select(i => ZebraJson.Event(i))),
            reader.PublishLinesAsync(queue.Topic("r2"), Enumerable.Range(0, 1000).Select(i => ZebraJson.Event(i))));

        await sink.JournaledAsync(2000);
        Assert.Equal(2000, sink.Journal.Select(r => (r.ReaderId, r.EventNum)).Distinct().Count());
        Assert.All(sink.Calls, call => Assert.InRange(call.Count, 1, 100));
        await Venue.Testing.Processes.Eventually.UntilAsync(() => Task.FromResult(consumer.Stats.AckedDeliveries == 2000), TimeSpan.FromSeconds(10),
            () => $"all 2000 deliveries acknowledged ({consumer.Stats})");
        output.WriteLine($"2000 messages arrived in {sink.Calls.Count} batches");
    }

    [Fact]
    public async Task A_read_published_while_the_consumer_is_stopped_arrives_when_it_starts_because_the_queue_was_declared_first()
    {
        if (!Met())
        {
            return;
        }

        await using var queue = new ReadsQueue(broker.Server!);
        var topology = await ReaderQueueSetup.DeclareAsync(queue.Options);
        Assert.Equal(queue.Options.EffectiveQueueName, topology.Queue);
        var reader = new MosquittoReader(broker.Server!);
        await reader.PublishAsync(queue.Topic("r1"), ZebraJson.Event(1));

        var sink = new JournalingSink("r1");
        await using (var first = await Consumers.StartedAsync(queue.Options, sink))
        {
            await sink.JournaledAsync(1);
            await first.StopAsync(CancellationToken.None);
        }

        await reader.PublishAsync(queue.Topic("r1"), ZebraJson.Event(2));
        Assert.Equal(1u, await queue.ReadyAsync());
        await using var second = await Consumers.StartedAsync(queue.Options, sink);

        await sink.JournaledAsync(2);
        Assert.Equal([1L, 2L], sink.Journal.Select(r => r.EventNum));
    }

    [Fact]
    public async Task Reads_the_sink_drops_as_clock_ahead_are_counted_as_such_not_as_acknowledged_reads()
    {
        if (!Met())
        {
            return;
        }

        await using var queue = new ReadsQueue(broker.Server!);
        var sink = new JournalingSink("r1") { ClockAheadAfter = ZebraJson.ReadAt.AddMinutes(1) };
        await using var consumer = await Consumers.StartedAsync(queue.Options, sink);
        var reader = new MosquittoReader(broker.Server!);

        // A reader whose clock runs an hour fast, then one on time.
        await reader.PublishAsync(queue.Topic("r1"), ZebraJson.Event(1, timestamp: "2026-11-22T10:14:03.120+0000"));
        await reader.PublishAsync(queue.Topic("r1"), ZebraJson.Event(2));

        await sink.JournaledAsync(1);
        await Venue.Testing.Processes.Eventually.UntilAsync(() => Task.FromResult(consumer.Stats.AckedDeliveries == 2), TimeSpan.FromSeconds(10),
            () => $"both deliveries acknowledged ({consumer.Stats})");
        Assert.Equal((1L, 1L, 0L), (consumer.Stats.AckedReads, consumer.Stats.ClockAhead, consumer.Stats.Duplicates));
    }

    [Fact]
    public async Task A_consumer_the_broker_cancels_because_its_queue_was_deleted_declares_the_queue_again_and_reads_flow_once_more()
    {
        if (!Met())
        {
            return;
        }

        await using var queue = new ReadsQueue(broker.Server!);
        var sink = new JournalingSink("r1");
        await using var consumer = await Consumers.StartedAsync(queue.Options, sink);
        var reader = new MosquittoReader(broker.Server!);
        await reader.PublishAsync(queue.Topic("r1"), ZebraJson.Event(1));
        await sink.JournaledAsync(1);

        // An operator deletes the queue (to change its dead-letter exchange, or to purge it).
        await using (var connection = await broker.Server!.ConnectionFactory().CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.QueueDeleteAsync(queue.Options.EffectiveQueueName, ifUnused: false, ifEmpty: false);
        }

        // The reader keeps publishing; with no queue bound the broker drops them, until the consumer declares it again.
        var next = 2L;
        await Venue.Testing.Processes.Eventually.UntilAsync(async () =>
        {
            await reader.PublishAsync(queue.Topic("r1"), ZebraJson.Event(next++));
            return sink.Journal.Count >= 2;
        }, TimeSpan.FromSeconds(30), () => $"a read after the queue was deleted to arrive ({consumer.Stats})");

        Assert.True(consumer.Stats.Reconnects >= 1, consumer.Stats.ToString());
        Assert.True(consumer.Stats.Connected, consumer.Stats.ToString());
    }

    [Fact]
    public async Task Malformed_oversized_and_unknown_reader_messages_go_to_the_dead_letter_queue_counted_and_the_next_good_read_still_arrives()
    {
        if (!Met())
        {
            return;
        }

        await using var queue = new ReadsQueue(broker.Server!);
        queue.Options.MaxPayloadBytes = 4096;
        var sink = new JournalingSink("r1");
        await using var consumer = await Consumers.StartedAsync(queue.Options, sink);
        var reader = new MosquittoReader(broker.Server!);

        await reader.PublishAsync(queue.Topic("r1"), "{\"type\":\"SIMPLE\",\"timestamp\":");
        await reader.PublishAsync(queue.Topic("r1"), ZebraJson.Array(Enumerable.Range(0, 100).Select(i => (long)i)));
        await reader.PublishAsync(queue.Topic("stranger"), ZebraJson.Event(7));
        await reader.PublishAsync(queue.Topic("r1"), ZebraJson.Event(1, antenna: 99));
        await reader.PublishAsync(queue.Topic("r1"), ZebraJson.Event(1));

        await sink.JournaledAsync(1);
        Assert.Equal(1, Assert.Single(sink.Journal).EventNum);
        await Venue.Testing.Processes.Eventually.UntilAsync(() => Task.FromResult(consumer.Stats.DeadLetteredTotal == 4), TimeSpan.FromSeconds(10),
            () => $"four messages dead-lettered ({consumer.Stats})");
        var stats = consumer.Stats;
        Assert.Equal(1, stats.DeadLettered[DeadLetterReason.Malformed]);
        Assert.Equal(1, stats.DeadLettered[DeadLetterReason.Oversized]);
        Assert.Equal(1, stats.DeadLettered[DeadLetterReason.UnknownReader]);
        Assert.Equal(1, stats.DeadLettered[DeadLetterReason.Invalid]);

        List<(string RoutingKey, string Body)> deadLetters = [];
        await Venue.Testing.Processes.Eventually.UntilAsync(async () => (deadLetters = [.. deadLetters, .. await queue.TakeDeadLettersAsync()]).Count == 4,
            TimeSpan.FromSeconds(10), () => $"four messages in the dead-letter queue ({deadLetters.Count} so far)");
        Assert.Equal([$"{queue.Vendor}.r1.data", $"{queue.Vendor}.r1.data", $"{queue.Vendor}.stranger.data", $"{queue.Vendor}.r1.data"],
            deadLetters.Select(m => m.RoutingKey));
        Assert.StartsWith("{\"type\":\"SIMPLE\",\"timestamp\":", deadLetters[0].Body, StringComparison.Ordinal);
        Assert.Equal(0u, await queue.ReadyAsync());
    }
}
