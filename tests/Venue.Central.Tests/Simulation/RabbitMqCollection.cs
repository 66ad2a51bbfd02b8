using Venue.Testing.RabbitMq;

namespace Venue.Central.Tests.Simulation;

/// <summary>One RabbitMQ node (with its MQTT plugin) for the tests here that send simulated readers through a real broker.</summary>
[CollectionDefinition(Name)]
public sealed class RabbitMqCollection : ICollectionFixture<RabbitMqFixture>
{
    public const string Name = "rabbitmq";
}
