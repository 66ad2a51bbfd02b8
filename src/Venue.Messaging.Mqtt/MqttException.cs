namespace Venue.Messaging.Mqtt;

/// <summary>The broker refused the connection, broke the protocol, or the connection was lost with publishes unacknowledged.</summary>
public sealed class MqttException(string message, Exception? inner = null) : Exception(message, inner);
