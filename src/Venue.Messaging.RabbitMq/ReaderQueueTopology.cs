namespace Venue.Messaging.RabbitMq;

/// <summary>The declared queues and what they held at declaration: for a start-up log line and <c>venue</c>'s broker check.</summary>
public sealed record ReaderQueueTopology(
    string Queue,
    uint Messages,
    uint Consumers,
    IReadOnlyList<string> BindingPatterns,
    string DeadLetterExchange,
    string DeadLetterQueue,
    uint DeadLetterMessages);
