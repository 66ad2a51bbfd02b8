using Venue.Domain.Readers;

namespace Venue.Messaging.RabbitMq;

/// <summary>
/// Where RFID reads come from: the edge's RabbitMQ node (readers publish MQTT to its plugin) and the
/// durable queue they are routed to. Bound from <see cref="SectionName"/>; <see cref="Validate"/> at start-up.
/// </summary>
public sealed class ReaderQueueOptions
{
    public const string SectionName = "Readers:RabbitMq";

    /// <summary>The MQTT plugin publishes every message to this exchange, with <c>/</c> in the topic turned into <c>.</c>.</summary>
    public const string MqttExchange = "amq.topic";

    /// <summary><c>amqp://user:password@host:port/vhost</c>; when set, wins over the host, port, user, password and vhost fields.</summary>
    public Uri? Uri { get; set; }

    public string HostName { get; set; } = "localhost";

    public int Port { get; set; } = 5672;

    public string UserName { get; set; } = "guest";

    public string Password { get; set; } = "guest";

    public string VirtualHost { get; set; } = "/";

    /// <summary>Names this edge's queue (<c>venue.reads.{EdgeId}</c>), so two edges on one broker would not share reads.</summary>
    public string EdgeId { get; set; } = "edge";

    /// <summary>The durable queue readers' messages land in; null for <c>venue.reads.{EdgeId}</c>.</summary>
    public string? QueueName { get; set; }

    /// <summary>
    /// Topic patterns bound to the queue (routing-key form: <c>zebra.*.data</c> for topic <c>zebra/{reader}/data</c>).
    /// Null or empty for <c>zebra.*.data</c> alone. (An array, not a list with a default in it, because the
    /// configuration binder appends to a pre-filled list instead of replacing it.)
    /// </summary>
    public string[]? BindingPatterns { get; set; }

    /// <summary>Deliveries the broker sends ahead of acknowledgements: enough to fill several batches while one is journaled.</summary>
    public ushort PrefetchCount { get; set; } = 2000;

    /// <summary>Most reads handed to the sink at once (a single message holding more is still handed over whole).</summary>
    public int MaxBatch { get; set; } = 500;

    /// <summary>A larger message is dead-lettered unread.</summary>
    public int MaxPayloadBytes { get; set; } = ReaderPayloads.DefaultMaxBytes;

    /// <summary>Where refused messages go (a fanout exchange); null for <c>venue.reads.dead-letter</c>.</summary>
    public string? DeadLetterExchange { get; set; }

    /// <summary>The durable queue that keeps refused messages for inspection; null for <c>venue.reads.{EdgeId}.dead-letter</c>.</summary>
    public string? DeadLetterQueue { get; set; }

    /// <summary>The dead-letter queue drops its oldest message beyond this, so a misconfigured reader cannot fill the disk.</summary>
    public int DeadLetterMaxLength { get; set; } = 100_000;

    /// <summary>First wait before reconnecting; doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan ReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>First wait before handing back a batch the sink failed on; doubles up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan IngestRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>AMQP heartbeat: how soon a silently dead broker (a cut cable, a frozen VM) is noticed.</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(15);

    public string EffectiveQueueName => QueueName is { Length: > 0 } name ? name : $"venue.reads.{EdgeId}";

    public IReadOnlyList<string> EffectiveBindingPatterns => BindingPatterns is { Length: > 0 } patterns ? patterns : ["zebra.*.data"];

    public string EffectiveDeadLetterExchange => DeadLetterExchange is { Length: > 0 } name ? name : "venue.reads.dead-letter";

    public string EffectiveDeadLetterQueue => DeadLetterQueue is { Length: > 0 } name ? name : $"venue.reads.{EdgeId}.dead-letter";

    /// <summary>Throws <see cref="InvalidOperationException"/> with one line saying what is wrong.</summary>
    public void Validate()
    {
        static void Require(bool ok, string what)
        {
            if (!ok)
            {
                throw new InvalidOperationException($"{SectionName}: {what}");
            }
        }

        Require(Uri is null || Uri.Scheme is "amqp" or "amqps", "Uri must be amqp:// or amqps://");
        Require(Uri is not null || !string.IsNullOrWhiteSpace(HostName), "HostName or Uri is required");
        Require(Port is > 0 and < 65536, "Port must be 1..65535");
        Require(!string.IsNullOrWhiteSpace(EdgeId), "EdgeId is required");
        Require(EffectiveBindingPatterns.All(p => !string.IsNullOrWhiteSpace(p) && !p.Contains('/', StringComparison.Ordinal)),
            "BindingPatterns are routing-key patterns (zebra.*.data), not MQTT topics (zebra/+/data)");
        Require(PrefetchCount > 0, "PrefetchCount must be above 0");
        Require(MaxBatch is > 0 and <= 100_000, "MaxBatch must be 1..100000");
        Require(MaxPayloadBytes > 0, "MaxPayloadBytes must be above 0");
        Require(DeadLetterMaxLength > 0, "DeadLetterMaxLength must be above 0");
        Require(EffectiveDeadLetterQueue != EffectiveQueueName, "the dead-letter queue must not be the reads queue");
        Require(ReconnectDelay > TimeSpan.Zero && MaxReconnectDelay >= ReconnectDelay, "ReconnectDelay must be above 0 and at most MaxReconnectDelay");
        Require(IngestRetryDelay > TimeSpan.Zero, "IngestRetryDelay must be above 0");
    }
}
