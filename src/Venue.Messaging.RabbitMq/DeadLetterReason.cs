namespace Venue.Messaging.RabbitMq;

/// <summary>Why a message went to the dead-letter queue instead of the sink. Counted per reason in <see cref="ReaderQueueStats"/>.</summary>
public enum DeadLetterReason
{
    /// <summary>The routing key has no second segment to name the reader (a topic other than <c>vendor/{reader}/...</c>).</summary>
    NoReaderInRoutingKey,
    /// <summary>The reader is not in the venue layout: a misconfigured or foreign reader.</summary>
    UnknownReader,
    /// <summary>Over <see cref="ReaderQueueOptions.MaxPayloadBytes"/>.</summary>
    Oversized,
    /// <summary>Not JSON, or not reader events.</summary>
    Malformed,
    /// <summary>Reader events with a field missing or out of range.</summary>
    Invalid,
}
