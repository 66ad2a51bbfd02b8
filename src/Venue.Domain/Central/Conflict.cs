namespace Venue.Domain.Central;

/// <summary>
/// One badge admitted at two edges with no exit between (in hybrid-logical-clock order): a possible
/// shared or cloned badge. Both facts are kept. Its identity is the attendee and the second
/// admission, so finding it again changes nothing.
/// </summary>
public sealed record Conflict(string AttendeeId, PassageRef First, PassageRef Second, DateTimeOffset DetectedAt)
{
    /// <summary>Store-assigned id (0 before it is stored).</summary>
    public long Id { get; init; }

    public DateTimeOffset? AcknowledgedAt { get; init; }

    public string? AcknowledgedBy { get; init; }

    public string Key => $"{AttendeeId}/{Second.EdgeId}/{Second.Sequence}";
}

/// <summary>Where and when one journaled passage happened.</summary>
public sealed record PassageRef(string EdgeId, long Sequence, string GateId, DateTimeOffset At, long Hlc);
