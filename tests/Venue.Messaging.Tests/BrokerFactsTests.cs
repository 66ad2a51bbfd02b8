using System.Text;
using RabbitMQ.Client;
using Venue.Messaging.Tests.Support;
using Venue.Testing.RabbitMq;
using Xunit.Abstractions;

namespace Venue.Messaging.Tests;

/// <summary>The facts about RabbitMQ 3.10's MQTT plugin that the consumer is built on (READERS.md), checked against the real thing.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class BrokerFactsTests(RabbitMqFixture broker, ITestOutputHelper output)
{
    [Fact]
    public async Task An_mqtt_qos1_publish_reaches_amq_topic_with_slashes_turned_into_dots_as_a_persistent_message()
    {
        if (!broker.Met(output) || !Requirement.Met(MosquittoReader.Executable is not null, "mosquitto_pub (mosquitto-clients)", output))
        {
            return;
        }

        var server = broker.Server!;
        await using var connection = await server.ConnectionFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("facts.slashes", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, "amq.topic", "facts.r1.data");

        await new MosquittoReader(server).PublishAsync("facts/r1/data", "hello");

        var message = await TakeAsync(channel, queue);
        Assert.Equal("facts.r1.data", message.RoutingKey);
        Assert.Equal("hello", Encoding.UTF8.GetString(message.Body.Span));
        Assert.Equal(DeliveryModes.Persistent, message.BasicProperties.DeliveryMode);
        Assert.Equal(1, Convert.ToInt32(message.BasicProperties.Headers!["x-mqtt-publish-qos"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(message.BasicProperties.Headers.ContainsKey("x-mqtt-dup"));
    }

    [Fact]
    public async Task A_qos1_publish_that_matches_no_binding_is_acknowledged_to_the_reader_and_dropped()
    {
        if (!broker.Met(output) || !Requirement.Met(MosquittoReader.Executable is not null, "mosquitto_pub (mosquitto-clients)", output))
        {
            return;
        }

        var server = broker.Server!;
        // mosquitto_pub exits 0 only after the PUBACK: the broker said it took the message.
        await new MosquittoReader(server).PublishAsync("facts/unbound/data", "lost");

        await using var connection = await server.ConnectionFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("facts.unbound", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, "amq.topic", "facts.unbound.data");
        Assert.Null(await channel.BasicGetAsync(queue, autoAck: true));
    }

    [Fact]
    public async Task An_mqtt_qos0_publish_becomes_a_transient_message_a_broker_restart_would_lose()
    {
        if (!broker.Met(output) || !Requirement.Met(MosquittoReader.Executable is not null, "mosquitto_pub (mosquitto-clients)", output))
        {
            return;
        }

        var server = broker.Server!;
        await using var connection = await server.ConnectionFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("facts.qos0", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, "amq.topic", "facts.qos0.data");

        Assert.True(await new MosquittoReader(server).TryPublishAsync("facts/qos0/data", "fire and forget", qos: 0));

        var message = await TakeAsync(channel, queue);
        Assert.Equal(DeliveryModes.Transient, message.BasicProperties.DeliveryMode);
    }

    [Fact]
    public async Task A_qos2_publish_is_refused()
    {
        if (!broker.Met(output) || !Requirement.Met(MosquittoReader.Executable is not null, "mosquitto_pub (mosquitto-clients)", output))
        {
            return;
        }

        var reader = new MosquittoReader(broker.Server!);
        Assert.False(await reader.TryPublishAsync("facts/r1/data", "exactly once?", qos: 2));
    }

    private static async Task<BasicGetResult> TakeAsync(IChannel channel, string queue)
    {
        BasicGetResult? message = null;
        await Venue.Testing.Processes.Eventually.UntilAsync(async () => (message = await channel.BasicGetAsync(queue, autoAck: true)) is not null,
            TimeSpan.FromSeconds(10), $"a message in {queue}");
        return message!;
    }
}
