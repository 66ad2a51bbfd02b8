using System.Net;
using System.Net.Sockets;
using Venue.Messaging.Mqtt;

namespace Venue.Messaging.Tests;

/// <summary>The publisher's own checks, against no broker or a scripted one on a loopback socket.</summary>
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

    [Fact]
    public async Task A_publish_into_a_broker_that_went_silent_fails_within_the_keep_alive()
    {
        // The broker accepts the connection, then reads and never answers: a half-open link.
        await using var broker = ScriptedBroker.Start(answerPings: false, pubAckAfter: null);
        await using var publisher = await MqttPublisher.ConnectAsync(
            new MqttPublisherOptions("127.0.0.1", broker.Port, "r1") { KeepAlive = TimeSpan.FromSeconds(1) });

        var publish = publisher.PublishAsync("zebra/r1/data", "{}"u8.ToArray());

        var failed = await Assert.ThrowsAsync<MqttException>(() => publish.WithTimeout("the publish into a silent broker to fail"));
        Assert.Contains("did not answer a ping", failed.Message, StringComparison.Ordinal);
        Assert.True(broker.PingsReceived >= 1, "the publisher never pinged the silent broker");
    }

    [Fact]
    public async Task A_slow_puback_from_a_broker_that_answers_pings_is_waited_for()
    {
        // Slower than the keep-alive, but the broker is alive: its PINGRESPs say so.
        await using var broker = ScriptedBroker.Start(answerPings: true, pubAckAfter: TimeSpan.FromSeconds(2.5));
        await using var publisher = await MqttPublisher.ConnectAsync(
            new MqttPublisherOptions("127.0.0.1", broker.Port, "r1") { KeepAlive = TimeSpan.FromSeconds(1) });

        await publisher.PublishAsync("zebra/r1/data", "{}"u8.ToArray()).WithTimeout("the slow PUBACK");

        Assert.Equal(1, publisher.Acknowledged);
        Assert.True(broker.PingsReceived >= 1, "the publisher waited without pinging");
    }

    /// <summary>Just enough MQTT 3.1.1 broker: CONNACK, then PINGRESP and PUBACK as told.</summary>
    private sealed class ScriptedBroker : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private Task _serve = Task.CompletedTask;
        private int _pings;

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public int PingsReceived => Volatile.Read(ref _pings);

        public static ScriptedBroker Start(bool answerPings, TimeSpan? pubAckAfter)
        {
            var broker = new ScriptedBroker();
            broker._listener.Start();
            broker._serve = broker.ServeAsync(answerPings, pubAckAfter);
            return broker;
        }

        private async Task ServeAsync(bool answerPings, TimeSpan? pubAckAfter)
        {
            using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            var stream = client.GetStream();
            var gate = new SemaphoreSlim(1, 1);
            async Task SendAsync(byte[] packet)
            {
                await gate.WaitAsync(_stop.Token);
                try
                {
                    await stream.WriteAsync(packet, _stop.Token);
                }
                finally
                {
                    gate.Release();
                }
            }

            try
            {
                while (true)
                {
                    var (type, body) = await ReadPacketAsync(stream);
                    switch (type)
                    {
                        case 1:
                            await SendAsync([0x20, 2, 0, 0]);
                            break;
                        case 12:
                            Interlocked.Increment(ref _pings);
                            if (answerPings)
                            {
                                await SendAsync([0xD0, 0]);
                            }

                            break;
                        case 3 when pubAckAfter is { } delay:
                            var topicLength = (body[0] << 8) | body[1];
                            byte[] pubAck = [0x40, 2, body[2 + topicLength], body[3 + topicLength]];
                            _ = Task.Delay(delay, _stop.Token).ContinueWith(_ => SendAsync(pubAck), TaskScheduler.Default);
                            break;
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or EndOfStreamException or ObjectDisposedException)
            {
                // The publisher hung up or the test ended.
            }
        }

        private async Task<(int Type, byte[] Body)> ReadPacketAsync(NetworkStream stream)
        {
            var one = new byte[1];
            await stream.ReadExactlyAsync(one, _stop.Token);
            var type = one[0] >> 4;
            int length = 0, multiplier = 1;
            do
            {
                await stream.ReadExactlyAsync(one, _stop.Token);
                length += (one[0] & 0x7F) * multiplier;
                multiplier *= 128;
            }
            while ((one[0] & 0x80) != 0);

            var body = new byte[length];
            await stream.ReadExactlyAsync(body, _stop.Token);
            return (type, body);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _serve.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }
    }
}
