using Venue.LoadHarness.Hosting;

namespace Venue.Testing.RabbitMq;

/// <summary>Where the mosquitto clients are (Debian package mosquitto-clients), which tests use as real MQTT readers.</summary>
public static class MosquittoTools
{
    public static string? Publisher { get; } = Executables.Find("mosquitto_pub");
}
