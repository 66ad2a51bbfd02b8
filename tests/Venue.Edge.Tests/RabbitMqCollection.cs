using Venue.Testing.RabbitMq;

namespace Venue.Edge.Tests;

/// <summary>One RabbitMQ node (with its MQTT plugin) for the tests here that publish as readers through a real broker.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqFixture>
{
    public const string Name = "rabbitmq";
}
