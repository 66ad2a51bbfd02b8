using Venue.Testing.RabbitMq;

namespace Venue.Edge.Tests.Telemetry;

/// <summary>
/// One throwaway RabbitMQ node (with its MQTT plugin) for the edge's reader-queue tests: a node takes
/// 8 to 20 s to start. Tests in the collection run one after another, so the one restarting the node
/// disturbs no other; each removes its queues when done, since they all bind <c>zebra.*.data</c>.
/// </summary>
[CollectionDefinition(Name)]
public sealed class EdgeRabbitMqCollection : ICollectionFixture<RabbitMqFixture>
{
    public const string Name = "edge-rabbitmq";
}
