using Venue.Testing.RabbitMq;

namespace Venue.Messaging.Tests.Support;

/// <summary>
/// One RabbitMQ node for every test class here: a node takes 8 to 20 s to start. Tests in a collection
/// run one after another, so the ones that restart the node disturb no other; each test keeps to
/// topics and queues of its own.
/// </summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqFixture>
{
    public const string Name = "rabbitmq";
}
