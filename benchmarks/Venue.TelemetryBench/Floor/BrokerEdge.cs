using System.Diagnostics;
using RabbitMQ.Client;
using Venue.Messaging.Mqtt;
using Venue.Messaging.RabbitMq;
using Venue.Testing.RabbitMq;

namespace Venue.TelemetryBench.Floor;

/// <summary>
/// An edge that takes its reads from RabbitMQ, as one with <c>Edge:Readers:UseRabbitMq</c> does: a
/// <see cref="ReaderQueueConsumer"/> over the silo's telemetry, its own durable queue bound to its
/// readers' topics, and one MQTT connection per reader publishing to the broker's MQTT plugin.
/// Disposing it deletes the queues, so the next phase's edge does not share the broker with a
/// queue nobody reads.
/// </summary>
internal sealed class BrokerEdge : IAsyncDisposable
{
    private readonly RabbitMqServer _server;
    private readonly ReaderQueueOptions _queue;

    private BrokerEdge(RabbitMqServer server, BenchEdge edge, ReaderQueueConsumer consumer, ReaderQueueOptions queue, MqttPublisher[] publishers)
    {
        _server = server;
        Edge = edge;
        Consumer = consumer;
        _queue = queue;
        Publishers = publishers;
    }

    public BenchEdge Edge { get; }

    public ReaderQueueConsumer Consumer { get; }

    /// <summary>Reader r's MQTT connection, client id = reader id.</summary>
    public MqttPublisher[] Publishers { get; }

    public static string Topic(string reader) => $"zebra/{reader}/data";

    public static async Task<BrokerEdge> StartAsync(RabbitMqServer server, BenchFloor floor, string directory, string name, int inFlight, CancellationToken cancellationToken)
    {
        var edge = await BenchEdge.StartAsync(floor, directory);
        ReaderQueueConsumer? consumer = null;
        var publishers = new List<MqttPublisher>();
        try
        {
            // The edge's defaults (prefetch 2,000, batches of up to 500 reads); only where and which readers are set.
            var queue = new ReaderQueueOptions
            {
                Uri = server.AmqpUri,
                EdgeId = name,
                BindingPatterns = [.. floor.Readers.Select(r => $"zebra.{r}.data")],
            };
            consumer = new ReaderQueueConsumer(queue, edge.Telemetry);
            await consumer.StartAsync(cancellationToken);
            var clock = Stopwatch.StartNew();
            while (!consumer.Stats.Connected)
            {
                if (clock.Elapsed > TimeSpan.FromSeconds(60))
                {
                    throw new TimeoutException($"Waited 60 s for the reads consumer to consume its queue: {consumer.Stats}");
                }

                await Task.Delay(20, cancellationToken);
            }

            foreach (var reader in floor.Readers)
            {
                publishers.Add(await MqttPublisher.ConnectAsync(new MqttPublisherOptions("127.0.0.1", server.MqttPort, reader)
                {
                    UserName = RabbitMqServer.User,
                    Password = server.Password,
                    MaxInFlight = inFlight,
                }, cancellationToken));
            }

            return new BrokerEdge(server, edge, consumer, queue, [.. publishers]);
        }
        catch
        {
            foreach (var publisher in publishers)
            {
                await publisher.DisposeAsync();
            }

            if (consumer is not null)
            {
                await consumer.DisposeAsync();
            }

            await edge.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var publisher in Publishers)
        {
            await publisher.DisposeAsync();
        }

        await Consumer.DisposeAsync();
        await Edge.DisposeAsync();
        try
        {
            await using var connection = await _server.ConnectionFactory().CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(_queue.EffectiveQueueName);
            await channel.QueueDeleteAsync(_queue.EffectiveDeadLetterQueue);
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.OperationInterruptedException or IOException)
        {
            // A queue left behind only costs the broker a little; the run goes on.
        }
    }
}
