using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Venue.Domain.Readers;

namespace Venue.Messaging.RabbitMq;

/// <summary>
/// Takes RFID reads from the edge's durable reads queue (readers publish MQTT at QoS 1 to RabbitMQ's
/// plugin) and hands them to the <see cref="IReadSink"/> in batches. A delivery is acknowledged only
/// after the sink has made its reads durable, so an acknowledged read is never lost and an
/// unacknowledged one comes back (the sink deduplicates on reader and event number). Messages that
/// can never be taken in (unknown reader, malformed, oversized) are rejected to the dead-letter queue
/// and counted; they never stop the next message. Survives the broker going away, or cancelling the
/// consumer: it reconnects with backoff and declares the topology again. See docs/reader-payloads.md.
/// </summary>
/// <remarks>
/// One channel, two loops: the broker's delivery handler parses each message as it arrives (the body
/// is only valid inside the handler, so nothing of it is kept but the parsed reads) and queues the
/// outcome; one batch loop takes whatever has arrived, up to <see cref="ReaderQueueOptions.MaxBatch"/>
/// reads, without waiting for a batch to fill, ingests it and acknowledges with <c>multiple</c> up to
/// its last delivery tag. Every acknowledgement, rejection and requeue is sent from the batch loop in
/// delivery order, so a multiple acknowledgement only ever covers deliveries that are its own or
/// already settled.
/// </remarks>
public sealed class ReaderQueueConsumer : IHostedService, IAsyncDisposable
{
    private readonly ReaderQueueOptions _options;
    private readonly IReadSink _sink;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ReaderQueueCounters _counters = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _abort = new();
    private Task? _loop;
    private int _disposed;

    public ReaderQueueConsumer(ReaderQueueOptions options, IReadSink sink, TimeProvider? time = null, ILogger<ReaderQueueConsumer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sink);
        options.Validate();
        _options = options;
        _sink = sink;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<ReaderQueueConsumer>.Instance;
    }

    public ReaderQueueStats Stats => _counters.Snapshot();

    /// <summary>
    /// Starts connecting and consuming in the background and returns at once: an edge must come up
    /// even while its broker is still starting. <see cref="ReaderQueueStats.Connected"/> tells when it consumes.
    /// </summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_loop is not null)
        {
            throw new InvalidOperationException("The reads consumer is already started.");
        }

        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops taking new deliveries, lets a batch the sink is writing finish and acknowledges it, then
    /// closes (the broker requeues whatever was delivered but not acknowledged). When
    /// <paramref name="cancellationToken"/> fires first, the batch in the sink is cancelled and left unacknowledged.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_loop is null)
        {
            return;
        }

        // Already stopped (or disposed): the token sources may be gone, and there is nothing to cancel.
        if (_loop.IsCompleted)
        {
            await _loop;
            return;
        }

        await _stopping.CancelAsync();
        await using var abort = cancellationToken.Register(() => _abort.Cancel());
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Not stopped first: a dispose is a hard stop, nothing waits for the sink.
        await _abort.CancelAsync();
        await StopAsync(CancellationToken.None);
        _stopping.Dispose();
        _abort.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var factory = ReaderQueueSetup.CreateFactory(_options);
        var failures = 0;
        var connections = 0;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await ConsumeAsync(factory, () =>
                {
                    if (connections++ > 0)
                    {
                        _counters.Reconnected();
                    }

                    failures = 0;
                }, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // Whatever broke the connection (broker gone, channel closed by an error), the answer is the same: reconnect.
                _counters.Failed(e.Message);
                _logger.LogWarning(e, "Reads consumer lost its broker connection ({Queue}): {Error}", _options.EffectiveQueueName, e.Message);
            }
            finally
            {
                _counters.SetConnected(false);
            }

            if (stopping.IsCancellationRequested)
            {
                break;
            }

            try
            {
                await Task.Delay(Backoff(_options.ReconnectDelay, failures++), _time, stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>One connection's life: declare, consume, batch; returns or throws when it ends.</summary>
    private async Task ConsumeAsync(ConnectionFactory factory, Action connected, CancellationToken stopping)
    {
        await using var connection = await factory.CreateConnectionAsync($"venue-{_options.EdgeId}-reads", stopping);
        var session = new Session();
        connection.ConnectionShutdownAsync += (_, e) => session.Lose(e.ReplyText);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: false, publisherConfirmationTrackingEnabled: false, consumerDispatchConcurrency: 1), stopping);
        channel.ChannelShutdownAsync += (_, e) => session.Lose(e.ReplyText);

        var topology = await ReaderQueueSetup.DeclareAsync(channel, _options, stopping);
        await channel.BasicQosAsync(prefetchSize: 0, _options.PrefetchCount, global: false, stopping);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            _counters.Delivered(delivery.Redelivered);
            session.Items.Writer.TryWrite(Classify(delivery));
            return Task.CompletedTask;
        };
        // The broker cancels a consumer whose queue is deleted (an operator purging it, say) and keeps
        // the channel open: without this the consumer would wait for ever, "connected", while readers'
        // publishes are dropped for want of a binding. A new connection declares the queue again.
        consumer.UnregisteredAsync += (_, _) => session.Lose("the broker cancelled the consumer (was the queue deleted?)");
        await channel.BasicConsumeAsync(topology.Queue, autoAck: false, consumer, stopping);
        _counters.SetConnected(true);
        connected();
        _logger.LogInformation("Reads consumer consuming {Queue} ({Messages} waiting, patterns {Patterns})",
            topology.Queue, topology.Messages, string.Join(", ", topology.BindingPatterns));

        try
        {
            await PumpAsync(channel, session, stopping);
        }
        finally
        {
            if (channel.IsOpen)
            {
                try
                {
                    // Closing requeues what was delivered and not acknowledged.
                    await channel.CloseAsync(CancellationToken.None);
                    await connection.CloseAsync(CancellationToken.None);
                }
                catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException or IOException)
                {
                }
            }
        }

        // Closing on a stop also shuts the channel down; only a loss nobody asked for is an error.
        if (session.LostReason is { } reason && !stopping.IsCancellationRequested)
        {
            throw new IOException($"connection to the broker lost: {reason}");
        }
    }

    private Item Classify(BasicDeliverEventArgs delivery)
    {
        var routingKey = delivery.RoutingKey;
        var segments = routingKey.Split('.');
        if (segments.Length < 2 || segments[1].Length == 0)
        {
            return Refuse(DeadLetterReason.NoReaderInRoutingKey, $"no reader in routing key '{routingKey}'");
        }

        var readerId = segments[1];
        var body = delivery.Body.Span;
        if (body.Length > _options.MaxPayloadBytes)
        {
            return Refuse(DeadLetterReason.Oversized, $"{body.Length} bytes is over the limit of {_options.MaxPayloadBytes}");
        }

        bool known;
        try
        {
            known = _sink.IsKnownReader(readerId);
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Reads consumer could not ask whether reader {Reader} is known; the message goes back", readerId);
            return new Retry(delivery.DeliveryTag);
        }

        if (!known)
        {
            return Refuse(DeadLetterReason.UnknownReader, $"reader '{readerId}' is not in the venue layout");
        }

        // Parsed here, inside the handler, because the body is only valid until the handler returns.
        ReaderPayloadResult parsed;
        try
        {
            parsed = ReaderPayloads.Parse(readerId, body, _options.MaxPayloadBytes);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not expected (the parser turns bad input into an error), but a delivery that escaped
            // here would never be settled, or be acknowledged with the next batch unread.
            _logger.LogError(e, "Reads consumer could not parse a message on {RoutingKey}", routingKey);
            return Refuse(DeadLetterReason.Malformed, $"the parser failed: {e.Message}");
        }

        if (parsed.Error is { } error)
        {
            var reason = error.Kind switch
            {
                ReaderPayloadErrorKind.Oversized => DeadLetterReason.Oversized,
                ReaderPayloadErrorKind.Malformed => DeadLetterReason.Malformed,
                _ => DeadLetterReason.Invalid,
            };
            return Refuse(reason, error.ToString());
        }

        if (PublishedAtMostOnce(delivery.BasicProperties) && _counters.AtMostOnce(readerId))
        {
            _logger.LogWarning("Reader {Reader} publishes at MQTT QoS 0: the broker keeps such messages in memory only, so a broker restart loses " +
                "what it holds of them. Set the reader to QoS 1 (docs/reader-payloads.md). Its reads are taken in all the same.", readerId);
        }

        return new Accepted(delivery.DeliveryTag, parsed.Reads, parsed.IgnoredEvents);

        Refused Refuse(DeadLetterReason reason, string detail)
        {
            _logger.LogWarning("Reads consumer dead-letters a message on {RoutingKey} ({Reason}): {Detail}", routingKey, reason, detail);
            return new Refused(delivery.DeliveryTag, reason);
        }
    }

    /// <summary>The MQTT plugin's <c>x-mqtt-publish-qos</c> header says 0 (its integer type is the broker's choice).</summary>
    private static bool PublishedAtMostOnce(IReadOnlyBasicProperties properties) =>
        properties.Headers is { } headers && headers.TryGetValue(MqttQosHeader, out var qos)
        && qos is byte or sbyte or short or ushort or int or uint or long && Convert.ToInt64(qos, System.Globalization.CultureInfo.InvariantCulture) == 0;

    private const string MqttQosHeader = "x-mqtt-publish-qos";

    private async Task PumpAsync(IChannel channel, Session session, CancellationToken stopping)
    {
        var reader = session.Items.Reader;
        var ingestFailures = 0;
        // False once the connection is lost: deliveries still queued here will come again on the next connection.
        while (await reader.WaitToReadAsync(stopping) && !session.IsLost)
        {
            var reads = new List<TagRead>();
            ulong last = 0;
            var deliveries = 0;
            var ignored = 0;
            while (reader.TryPeek(out var item))
            {
                if (item is Accepted accepted)
                {
                    if (deliveries > 0 && reads.Count + accepted.Reads.Count > _options.MaxBatch)
                    {
                        break;
                    }

                    reader.TryRead(out _);
                    reads.AddRange(accepted.Reads);
                    ignored += accepted.IgnoredEvents;
                    last = accepted.Tag;
                    deliveries++;
                    continue;
                }

                reader.TryRead(out _);
                if (item is Refused refused)
                {
                    // requeue: false sends it to the queue's dead-letter exchange.
                    await channel.BasicRejectAsync(refused.Tag, requeue: false, CancellationToken.None);
                    _counters.DeadLettered(refused.Reason);
                }
                else
                {
                    await Task.Delay(_options.IngestRetryDelay, _time, stopping);
                    await channel.BasicNackAsync(item.Tag, multiple: false, requeue: true, CancellationToken.None);
                }
            }

            if (deliveries == 0)
            {
                continue;
            }

            var duplicates = 0;
            var clockAhead = 0;
            if (reads.Count > 0)
            {
                try
                {
                    var ingested = await _sink.IngestAsync(reads, _abort.Token);
                    duplicates = ingested.Duplicates;
                    clockAhead = ingested.ClockAhead;
                    ingestFailures = 0;
                }
                catch (Exception e) when (!_abort.IsCancellationRequested)
                {
                    _counters.IngestFailed(e.Message);
                    _logger.LogWarning(e, "Read sink failed on {Reads} reads; the batch goes back to the queue", reads.Count);
                    // A pause first, so a sink that keeps failing (disk full) is not hammered by the redeliveries.
                    await Task.Delay(Backoff(_options.IngestRetryDelay, ingestFailures++), _time, stopping);
                    await channel.BasicNackAsync(last, multiple: true, requeue: true, CancellationToken.None);
                    continue;
                }
            }

            await channel.BasicAckAsync(last, multiple: true, CancellationToken.None);
            _counters.Acked(deliveries, reads.Count - clockAhead, duplicates, ignored, clockAhead, _time.GetUtcNow());
        }
    }

    /// <summary>Doubling from <paramref name="first"/> up to the options' maximum, with jitter so edges restarted together do not reconnect in step.</summary>
    private TimeSpan Backoff(TimeSpan first, int failures)
    {
        var doubled = first.TotalMilliseconds * Math.Pow(2, Math.Min(failures, 16));
        var capped = Math.Min(doubled, _options.MaxReconnectDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    /// <summary>What the delivery handler made of one delivery, for the batch loop to settle in order.</summary>
    private abstract record Item(ulong Tag);

    private sealed record Accepted(ulong Tag, IReadOnlyList<TagRead> Reads, int IgnoredEvents) : Item(Tag);

    private sealed record Refused(ulong Tag, DeadLetterReason Reason) : Item(Tag);

    /// <summary>Could not be classified for a passing reason (the sink threw): requeued after a pause.</summary>
    private sealed record Retry(ulong Tag) : Item(Tag);

    /// <summary>One connection's queue of classified deliveries, and whether the connection is gone.</summary>
    private sealed class Session
    {
        private int _lost;

        // Unbounded, yet never more than the prefetch count: the broker sends no more unacknowledged deliveries than that.
        public Channel<Item> Items { get; } = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

        public bool IsLost => Volatile.Read(ref _lost) == 1;

        public string? LostReason { get; private set; }

        public Task Lose(string reason)
        {
            if (Interlocked.Exchange(ref _lost, 1) == 0)
            {
                LostReason = reason;
                Items.Writer.TryComplete();
            }

            return Task.CompletedTask;
        }
    }
}
