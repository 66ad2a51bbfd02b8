using System.Net;
using System.Net.Sockets;
using Venue.Messaging.Mqtt;

namespace Venue.Messaging.Tests;

/// <summary>The publisher's own checks, before any broker is involved.</summary>
public sealed class MqttPublisherTests
{
    [Fact]
    public async Task A_password_without_a_user_name_is_refused_before_anything_is_sent()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        var thrown = await Assert.ThrowsAsync<ArgumentException>(() =>
            MqttPublisher.ConnectAsync(new MqttPublisherOptions("127.0.0.1", port, "r1") { Password = "pw" }));

        Assert.Contains("user name", thrown.Message, StringComparison.Ordinal);
        // A malformed CONNECT (password flag without user name flag) never went out.
        Assert.False(listener.Pending(), "the publisher connected although its options were refused");
    }
}
