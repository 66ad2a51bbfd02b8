using System.Diagnostics;
using System.Text;
using RabbitMQ.Client;
using Venue.Domain.Readers;
using Venue.Messaging.Tests.Support;
using Venue.Testing.Processes;
using Venue.Testing.RabbitMq;
using Xunit.Abstractions;

namespace Venue.Messaging.Tests;

/// <summary>
/// Not a timed assertion: how many reads a second the consumer sustains into a sink that does nothing,
/// with 50,000 single-read messages waiting in the queue (persistent, as MQTT QoS 1 makes them).
/// The figure is written to the test output.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class ThroughputProbe(RabbitMqFixture broker, ITestOutputHelper output)
{
    private const int Reads = 50_000;

    [Fact]
    public async Task The_consumer_takes_fifty_thousand_waiting_reads_into_a_sink_that_does_nothing()
    {
        if (!broker.Met(output))
        {
            return;
        }

        var server = broker.Server!;
        await using var queue = new ReadsQueue(server);
        await Venue.Messaging.RabbitMq.ReaderQueueSetup.DeclareAsync(queue.Options);
        await PublishAsync(server, $"{queue.Vendor}.probe.data");
        await Eventually.UntilAsync(async () => await queue.ReadyAsync() == Reads, TimeSpan.FromSeconds(60),
            () => $"{Reads} messages waiting in the reads queue");

        var sink = new CountingSink();
        var clock = Stopwatch.StartNew();
        await using var consumer = new Venue.Messaging.RabbitMq.ReaderQueueConsumer(queue.Options, sink);
        await consumer.StartAsync(CancellationToken.None);
        await Eventually.UntilAsync(() => Task.FromResult(consumer.Stats.AckedReads == Reads), TimeSpan.FromSeconds(90),
            () => $"{Reads} reads acknowledged ({consumer.Stats})");
        clock.Stop();

        var rate = Reads / clock.Elapsed.TotalSeconds;
        output.WriteLine($"{Reads} reads in {clock.Elapsed.TotalSeconds:0.00} s: {rate:0} reads/s in {sink.Calls} batches " +
            $"(average {Reads / (double)sink.Calls:0} reads), {Environment.ProcessorCount} cores");
        Console.WriteLine($"THROUGHPUT {rate:0} reads/s ({Reads} reads, {sink.Calls} batches)");
        Assert.Equal(Reads, sink.Reads);
    }

    private static async Task PublishAsync(RabbitMqServer server, string routingKey)
    {
        await using var connection = await server.ConnectionFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var properties = new BasicProperties { DeliveryMode = DeliveryModes.Persistent };
        for (var i = 0; i < Reads; i++)
        {
            await channel.BasicPublishAsync("amq.topic", routingKey, mandatory: false, properties, Encoding.UTF8.GetBytes(ZebraJson.Event(i)));
        }
    }

    private sealed class CountingSink : IReadSink
    {
        private int _reads;
        private int _calls;

        public int Reads => Volatile.Read(ref _reads);

        public int Calls => Volatile.Read(ref _calls);

        public bool IsKnownReader(string readerId) => true;

        public Task<ReadIngestResult> IngestAsync(IReadOnlyList<TagRead> reads, CancellationToken cancellationToken = default)
        {
            Interlocked.Add(ref _reads, reads.Count);
            Interlocked.Increment(ref _calls);
            return Task.FromResult(new ReadIngestResult(reads.Count, 0));
        }
    }
}
