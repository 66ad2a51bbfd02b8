using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net.Sockets;

namespace Venue.Messaging.Mqtt;

/// <summary>
/// Publishes MQTT 3.1.1 messages the way a UHF reader does: QoS 1 (acknowledged by PUBACK, so a
/// completed publish is the broker's) or QoS 0. Publishes may be issued concurrently; up to
/// <see cref="MqttPublisherOptions.MaxInFlight"/> wait for their PUBACK at once. It does not
/// reconnect: when the connection drops, pending and later publishes fail with <see cref="MqttException"/>
/// and the caller decides (a reader would buffer and replay). A broker that stops answering (a
/// half-open connection, a partition) is noticed by the keep-alive: a ping unanswered for a whole
/// <see cref="MqttPublisherOptions.KeepAlive"/> fails the connection, as MQTT 3.1.1 (3.1.4) asks.
/// </summary>
public sealed class MqttPublisher : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly SemaphoreSlim _inFlight;
    private readonly ConcurrentDictionary<ushort, TaskCompletionSource> _pending = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _readLoop;
    private readonly Task _keepAlive;
    private readonly TimeSpan _keepAlivePeriod;
    private int _nextId;
    private long _lastWriteTicks = Environment.TickCount64;
    private long _lastReadTicks = Environment.TickCount64;
    private volatile Exception? _failure;

    private MqttPublisher(TcpClient tcp, MqttPublisherOptions options)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
        _inFlight = new SemaphoreSlim(options.MaxInFlight, options.MaxInFlight);
        _keepAlivePeriod = options.KeepAlive;
        _readLoop = Task.Run(ReadLoopAsync);
        _keepAlive = Task.Run(KeepAliveLoopAsync);
    }

    /// <summary>Publishes acknowledged by the broker so far.</summary>
    public long Acknowledged => Interlocked.Read(ref _acknowledged);

    private long _acknowledged;

    /// <summary>Connects and waits for the broker's CONNACK; throws <see cref="MqttException"/> when it refuses.</summary>
    public static async Task<MqttPublisher> ConnectAsync(MqttPublisherOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxInFlight, 1);
        if (options.Password is not null && options.UserName is null)
        {
            // MQTT 3.1.1 (3.1.2-22): a CONNECT with a password flag and no user name flag is malformed.
            throw new ArgumentException("A password needs a user name: MQTT sends a password only with one.", nameof(options));
        }

        var tcp = new TcpClient { NoDelay = true };
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            await tcp.ConnectAsync(options.Host, options.Port, timeout.Token);
            var stream = tcp.GetStream();
            var keepAlive = (ushort)Math.Clamp(options.KeepAlive.TotalSeconds, 0, ushort.MaxValue);
            await stream.WriteAsync(MqttPacket.EncodeConnect(options.ClientId, options.UserName, options.Password, keepAlive), timeout.Token);
            var connAck = new byte[4];
            await stream.ReadExactlyAsync(connAck, timeout.Token);
            if (connAck[0] >> 4 != MqttPacket.ConnAck || connAck[1] != 2)
            {
                throw new MqttException($"{options.Host}:{options.Port} did not answer CONNECT with a CONNACK.");
            }

            if (connAck[3] != 0)
            {
                throw new MqttException($"{options.Host}:{options.Port} refused the connection: {ConnectRefusal(connAck[3])}.");
            }

            return new MqttPublisher(tcp, options);
        }
        catch (Exception e) when (e is not MqttException and not OperationCanceledException || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            tcp.Dispose();
            throw new MqttException($"Could not connect to the MQTT broker at {options.Host}:{options.Port}: {e.Message}", e);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Publishes one message. With QoS 1 the task completes when the broker's PUBACK arrives
    /// (RabbitMQ sends it once the message is routed, or dropped when nothing is bound to its topic).
    /// </summary>
    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, int qos = 1, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        if (qos is not (0 or 1))
        {
            throw new ArgumentOutOfRangeException(nameof(qos), qos, "Only QoS 0 and 1 are supported (RabbitMQ's MQTT plugin disconnects QoS 2 publishers).");
        }

        ThrowIfFailed();
        if (qos == 0)
        {
            await WriteAsync(MqttPacket.EncodePublish(topic, payload.Span, 0, 0), cancellationToken);
            return;
        }

        await _inFlight.WaitAsync(cancellationToken);
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ushort id;
        do
        {
            id = (ushort)((uint)Interlocked.Increment(ref _nextId) % ushort.MaxValue + 1);
        }
        while (!_pending.TryAdd(id, completion));

        try
        {
            // A failure that raced the registration above must not leave this publish waiting forever.
            ThrowIfFailed();
            await WriteAsync(MqttPacket.EncodePublish(topic, payload.Span, 1, id), cancellationToken);
            await completion.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            _pending.TryRemove(id, out _);
            _inFlight.Release();
        }
    }

    private async Task WriteAsync(byte[] packet, CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken);
        try
        {
            await _stream.WriteAsync(packet, cancellationToken);
            Interlocked.Exchange(ref _lastWriteTicks, Environment.TickCount64);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
        {
            Fail(new MqttException("The connection to the MQTT broker was lost while publishing.", e));
            throw _failure!;
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task ReadLoopAsync()
    {
        var header = new byte[1];
        var body = new byte[64];
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await _stream.ReadExactlyAsync(header, _stop.Token);
                var length = await ReadLengthAsync();
                if (length > body.Length)
                {
                    body = new byte[length];
                }

                await _stream.ReadExactlyAsync(body.AsMemory(0, length), _stop.Token);
                Interlocked.Exchange(ref _lastReadTicks, Environment.TickCount64);
                switch (header[0] >> 4)
                {
                    case MqttPacket.PubAck when length == 2:
                        var id = BinaryPrimitives.ReadUInt16BigEndian(body);
                        if (_pending.TryGetValue(id, out var completion) && completion.TrySetResult())
                        {
                            Interlocked.Increment(ref _acknowledged);
                        }

                        break;
                    case MqttPacket.PingResp:
                        break;
                    default:
                        throw new MqttException($"The broker sent an unexpected packet of type {header[0] >> 4} to a publisher.");
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            Fail(new MqttException("The publisher was closed."));
        }
        catch (MqttException e)
        {
            Fail(e);
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException or ObjectDisposedException)
        {
            Fail(new MqttException("The MQTT broker closed the connection.", e));
        }
    }

    private async Task<int> ReadLengthAsync()
    {
        var one = new byte[1];
        int value = 0, multiplier = 1;
        for (var i = 0; i < 4; i++)
        {
            await _stream.ReadExactlyAsync(one, _stop.Token);
            value += (one[0] & 0x7F) * multiplier;
            if ((one[0] & 0x80) == 0)
            {
                return value;
            }

            multiplier *= 128;
        }

        throw new MqttException("The broker sent a malformed packet length.");
    }

    /// <summary>
    /// Pings when the connection has been quiet for half the keep-alive, and also when PUBACKs are
    /// awaited and nothing has been read for that long (a steady stream of publishes into a dead
    /// connection never goes quiet). A ping not answered within the keep-alive fails the connection,
    /// so waiting publishes fail instead of waiting for ever.
    /// </summary>
    private async Task KeepAliveLoopAsync()
    {
        if (_keepAlivePeriod <= TimeSpan.Zero)
        {
            return;
        }

        var half = (long)(_keepAlivePeriod / 2).TotalMilliseconds;
        long pingSentAt = 0;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, half / 2)), _stop.Token);
                var now = Environment.TickCount64;
                var lastRead = Interlocked.Read(ref _lastReadTicks);
                if (pingSentAt != 0)
                {
                    if (lastRead >= pingSentAt)
                    {
                        pingSentAt = 0;
                    }
                    else if (now - pingSentAt >= (long)_keepAlivePeriod.TotalMilliseconds)
                    {
                        GiveUp("did not answer a ping");
                        return;
                    }
                }

                var quiet = now - Interlocked.Read(ref _lastWriteTicks) >= half;
                var awaitingAnswers = !_pending.IsEmpty && now - lastRead >= half;
                if (pingSentAt == 0 && (quiet || awaitingAnswers))
                {
                    pingSentAt = now;
                    // A broker that stopped reading fills the socket's buffer: a write that cannot
                    // go out within the keep-alive is as telling as a missing answer.
                    using var writeFor = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                    writeFor.CancelAfter(_keepAlivePeriod);
                    try
                    {
                        await WriteAsync(MqttPacket.PingRequest, writeFor.Token);
                    }
                    catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
                    {
                        GiveUp("took no ping");
                        return;
                    }
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or MqttException)
        {
            // Closing, or the connection is gone: the read loop has recorded why.
        }
    }

    private void GiveUp(string what)
    {
        Fail(new MqttException($"The MQTT broker {what} within the keep-alive of {_keepAlivePeriod.TotalSeconds:0.###} s; the connection is taken as lost."));
        // Closing the socket also frees a publish stuck writing into a full buffer.
        _tcp.Dispose();
    }

    private void Fail(Exception failure)
    {
        _failure ??= failure;
        foreach (var pending in _pending.Values)
        {
            pending.TrySetException(_failure);
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure is { } failure)
        {
            throw failure;
        }
    }

    private static string ConnectRefusal(byte code) => code switch
    {
        1 => "unacceptable protocol version",
        2 => "client identifier rejected",
        3 => "server unavailable",
        4 => "bad user name or password",
        5 => "not authorized",
        _ => $"return code {code}",
    };

    /// <summary>Sends DISCONNECT (after waiting for in-flight publishes, up to a second) and closes.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_failure is null)
        {
            try
            {
                using var drain = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                while (!_pending.IsEmpty && !drain.IsCancellationRequested)
                {
                    await Task.WhenAny(_pending.Values.Select(p => p.Task).Append(Task.Delay(50, drain.Token)));
                }

                await WriteAsync(MqttPacket.DisconnectPacket, CancellationToken.None);
            }
            catch (Exception e) when (e is MqttException or OperationCanceledException)
            {
                // Already gone: nothing to say goodbye to.
            }
        }

        await _stop.CancelAsync();
        _tcp.Dispose();
        await Task.WhenAll(_readLoop, _keepAlive).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        _stop.Dispose();
        _writeGate.Dispose();
        _inFlight.Dispose();
    }
}
