namespace Venue.Messaging.Mqtt;

/// <summary>Where and as whom a publisher connects. RabbitMQ maps anonymous MQTT to <c>guest</c>, which works from localhost only.</summary>
public sealed record MqttPublisherOptions(string Host, int Port, string ClientId)
{
    public string? UserName { get; init; }

    public string? Password { get; init; }

    /// <summary>The broker drops a client silent for 1.5 times this; the publisher pings when idle.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>QoS 1 publishes awaiting their PUBACK at once; more wait for a slot.</summary>
    public int MaxInFlight { get; init; } = 256;

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
