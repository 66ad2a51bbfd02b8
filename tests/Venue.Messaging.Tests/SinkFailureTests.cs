using System.Globalization;
using Venue.Messaging.Tests.Support;
using Venue.Testing.Processes;
using Venue.Testing.RabbitMq;
using Xunit.Abstractions;

namespace Venue.Messaging.Tests;

/// <summary>A delivery is acknowledged only once the sink has made its reads durable: failures and slowness lose nothing.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class SinkFailureTests(RabbitMqFixture broker, ITestOutputHelper output)
{
    private bool Met() =>
        broker.Met(output) && Requirement.Met(MosquittoReader.Executable is not null, "mosquitto_pub (mosquitto-clients)", output);

    [Fact]
    public async Task A_batch_the_sink_fails_on_is_not_acknowledged_and_comes_back_until_the_sink_takes_it()
    {
        if (!Met())
        {
            return;
        }

        await using var queue = new ReadsQueue(broker.Server!);
        var sink = new JournalingSink("r1");
        sink.FailNext(2);
        await using var consumer = await Consumers.StartedAsync(queue.Options, sink);

        await new MosquittoReader(broker.Server!).PublishAsync(queue.Topic("r1"), ZebraJson.Event(1));

        await sink.JournaledAsync(1);
        Assert.Equal(3, sink.Calls.Count);
        Assert.All(sink.Calls, call => Assert.Equal(1, Assert.Single(call).EventNum));
        var stats = consumer.Stats;
        Assert.Equal(2, stats.IngestFailures);
        Assert.Equal(2, stats.Redelivered);
        Assert.Equal(0, stats.DeadLetteredTotal);
        await Eventually.UntilAsync(async () => consumer.Stats.AckedDeliveries == 1 && await queue.ReadyAsync() == 0, TimeSpan.FromSeconds(10),
            () => $"the delivery acknowledged and gone from the queue ({consumer.Stats})");
    }

    [Fact]
    public async Task A_read_is_not_acknowledged_while_the_sink_is_writing_it_so_a_lost_connection_brings_it_back()
    {
        if (!Met())
        {
            return;
        }

        var server = broker.Server!;
        await using var queue = new ReadsQueue(server);
        var sink = new JournalingSink("r1");
        var held = sink.HoldNext();
        await using var consumer = await Consumers.StartedAsync(queue.Options, sink);

        await new MosquittoReader(server).PublishAsync(queue.Topic("r1"), ZebraJson.Event(1));
        await held.Within(TimeSpan.FromSeconds(10), "the sink to be handed the read");

        // The broker's own view: delivered to the consumer, not acknowledged, while the sink has not finished.
        Assert.Equal(1, await UnacknowledgedAsync(server, queue.Options.EffectiveQueueName));
        await server.CtlAsync(["close_all_connections", "a test cuts the consumer off mid-write"]);
        sink.Release();

        await Eventually.UntilAsync(() => Task.FromResult(sink.Calls.Count == 2 && consumer.Stats.AckedDeliveries == 1), TimeSpan.FromSeconds(20),
            () => $"the read to come again on a new connection and be acknowledged ({sink.Calls.Count} sink calls; {consumer.Stats})");
        var stats = consumer.Stats;
        Assert.Equal(1, Assert.Single(sink.Journal).EventNum);
        Assert.Equal(1, stats.Duplicates);
        Assert.Equal(1, stats.Redelivered);
        Assert.True(stats.Reconnects >= 1, $"no reconnect counted: {stats}");
        Assert.True(stats.Connected);
    }

    private static async Task<int> UnacknowledgedAsync(RabbitMqServer server, string queue)
    {
        var listing = await server.CtlAsync(["list_queues", "--quiet", "--no-table-headers", "name", "messages_unacknowledged"]);
        var row = listing.Split('\n').Select(l => l.Split('\t', StringSplitOptions.TrimEntries)).Single(f => f[0] == queue);
        return int.Parse(row[1], CultureInfo.InvariantCulture);
    }
}
