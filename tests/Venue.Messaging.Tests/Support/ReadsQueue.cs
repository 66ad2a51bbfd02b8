using System.Text;
using RabbitMQ.Client;
using Venue.Messaging.RabbitMq;
using Venue.Testing.RabbitMq;

namespace Venue.Messaging.Tests.Support;

/// <summary>One test's corner of the shared node: its own topic prefix, queue names and options, removed at the end.</summary>
public sealed class ReadsQueue : IAsyncDisposable
{
    private static int _next;
    private readonly RabbitMqServer _server;

    public ReadsQueue(RabbitMqServer server, string? vendor = null)
    {
        _server = server;
        var n = Interlocked.Increment(ref _next);
        // A topic prefix of its own, so no other test's queue is bound to what this test publishes.
        Vendor = vendor ?? $"t{n}";
        Options = new ReaderQueueOptions
        {
            Uri = server.AmqpUri,
            EdgeId = $"test-{n}",
            BindingPatterns = [$"{Vendor}.*.data"],
            ReconnectDelay = TimeSpan.FromMilliseconds(100),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
            IngestRetryDelay = TimeSpan.FromMilliseconds(50),
        };
    }

    public string Vendor { get; }

    public ReaderQueueOptions Options { get; }

    public string Topic(string reader) => $"{Vendor}/{reader}/data";

    /// <summary>Takes every message from the dead-letter queue (acknowledged, so gone).</summary>
    public async Task<List<(string RoutingKey, string Body)>> TakeDeadLettersAsync()
    {
        await using var connection = await _server.ConnectionFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = new List<(string, string)>();
        while (await channel.BasicGetAsync(Options.EffectiveDeadLetterQueue, autoAck: true) is { } message)
        {
            messages.Add((message.RoutingKey, Encoding.UTF8.GetString(message.Body.Span)));
        }

        return messages;
    }

    /// <summary>Messages ready in the reads queue (not counting delivered and unacknowledged ones).</summary>
    public async Task<uint> ReadyAsync()
    {
        await using var connection = await _server.ConnectionFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(Options.EffectiveQueueName)).MessageCount;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_server.IsRunning)
        {
            return;
        }

        await using var connection = await _server.ConnectionFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync(Options.EffectiveQueueName, ifUnused: false, ifEmpty: false);
        await channel.QueueDeleteAsync(Options.EffectiveDeadLetterQueue, ifUnused: false, ifEmpty: false);
    }
}
