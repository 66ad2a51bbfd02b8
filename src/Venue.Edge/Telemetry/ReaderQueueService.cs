using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Venue.Edge.Silo;
using Venue.Messaging.RabbitMq;

namespace Venue.Edge.Telemetry;

/// <summary>
/// Consumes reads that RFID readers publish over MQTT, from this edge's durable queue at RabbitMQ
/// (<c>Edge:Readers:UseRabbitMq</c>). Starts after the silo (so the read journal is open) and stops
/// before it, finishing the batch in hand; a delivery is acknowledged only after its reads are journaled.
/// </summary>
public sealed class ReaderQueueService(EdgeSiloService silo, IOptions<EdgeSiloOptions> options, TimeProvider time, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    private ReaderQueueConsumer? _consumer;

    /// <summary>The consumer's counters; null when the edge does not consume from RabbitMQ.</summary>
    public ReaderQueueStats? Stats => _consumer?.Stats;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Readers.UseRabbitMq || silo.Silo.Telemetry is not { } telemetry)
        {
            return;
        }

        var queue = o.Readers.RabbitMq;
        if (queue.EdgeId is "" or "edge")
        {
            queue.EdgeId = o.EdgeId;
        }

        if (queue.MaxPayloadBytes == Domain.Readers.ReaderPayloads.DefaultMaxBytes)
        {
            queue.MaxPayloadBytes = o.Readers.MaxBodyBytes;
        }

        _consumer = new ReaderQueueConsumer(queue, telemetry, time, loggers.CreateLogger<ReaderQueueConsumer>());
        await _consumer.StartAsync(cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_consumer is not null)
        {
            await _consumer.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_consumer is not null)
        {
            await _consumer.DisposeAsync();
        }
    }
}
