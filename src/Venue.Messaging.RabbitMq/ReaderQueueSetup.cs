using RabbitMQ.Client;

namespace Venue.Messaging.RabbitMq;

/// <summary>
/// Declares where readers' messages go, idempotently: the durable reads queue bound to
/// <c>amq.topic</c> with the reader patterns, refusing to a fanout dead-letter exchange and its
/// durable queue. Run it before readers matter: the MQTT plugin acknowledges a QoS 1 publish that
/// matches no binding and drops it, so a read sent before the binding exists is lost for good.
/// </summary>
public static class ReaderQueueSetup
{
    /// <summary>Connects, declares, disconnects: for <c>venue edge</c> start-up and a command-line broker check.</summary>
    public static async Task<ReaderQueueTopology> DeclareAsync(ReaderQueueOptions options, CancellationToken cancellationToken = default)
    {
        options.Validate();
        await using var connection = await CreateFactory(options).CreateConnectionAsync($"venue-{options.EdgeId}-reads-setup", cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        var topology = await DeclareAsync(channel, options, cancellationToken);
        await channel.CloseAsync(cancellationToken);
        await connection.CloseAsync(cancellationToken);
        return topology;
    }

    /// <summary>
    /// Declares on an open channel. The reads queue's arguments must match any earlier declaration
    /// (RabbitMQ closes the channel with PRECONDITION_FAILED otherwise): changing the dead-letter
    /// exchange of an existing queue means deleting the queue first.
    /// </summary>
    public static async Task<ReaderQueueTopology> DeclareAsync(IChannel channel, ReaderQueueOptions options, CancellationToken cancellationToken = default)
    {
        var deadLetterExchange = options.EffectiveDeadLetterExchange;
        await channel.ExchangeDeclareAsync(deadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken);
        var deadLetters = await channel.QueueDeclareAsync(options.EffectiveDeadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-max-length"] = options.DeadLetterMaxLength }, cancellationToken: cancellationToken);
        await channel.QueueBindAsync(deadLetters.QueueName, deadLetterExchange, routingKey: "", cancellationToken: cancellationToken);

        var reads = await channel.QueueDeclareAsync(options.EffectiveQueueName, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-dead-letter-exchange"] = deadLetterExchange }, cancellationToken: cancellationToken);
        foreach (var pattern in options.EffectiveBindingPatterns)
        {
            await channel.QueueBindAsync(reads.QueueName, ReaderQueueOptions.MqttExchange, pattern, cancellationToken: cancellationToken);
        }

        return new ReaderQueueTopology(reads.QueueName, reads.MessageCount, reads.ConsumerCount, options.EffectiveBindingPatterns,
            deadLetterExchange, deadLetters.QueueName, deadLetters.MessageCount);
    }

    /// <summary>
    /// Automatic recovery is off: the consumer reconnects by itself, because delivery tags from a lost
    /// channel must never be acknowledged on a new one, and it wants to know when that happens.
    /// </summary>
    internal static ConnectionFactory CreateFactory(ReaderQueueOptions options)
    {
        var factory = new ConnectionFactory
        {
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = options.Heartbeat,
            ConsumerDispatchConcurrency = 1,
        };
        if (options.Uri is { } uri)
        {
            factory.Uri = uri;
        }
        else
        {
            factory.HostName = options.HostName;
            factory.Port = options.Port;
            factory.UserName = options.UserName;
            factory.Password = options.Password;
            factory.VirtualHost = options.VirtualHost;
        }

        return factory;
    }
}
