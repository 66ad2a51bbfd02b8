using Venue.Domain.CheckIn;

namespace Venue.Domain.Journal;

/// <summary>
/// One scan as the edge journal keeps it: every scan, admitted or refused. <see cref="Sequence"/> and
/// <see cref="Hlc"/> are assigned by the journal when the entry is appended; (edge id, sequence)
/// identifies the entry everywhere.
/// </summary>
public sealed record JournalEntry(
    string GateId,
    string? AttendeeId,
    ScanDirection Direction,
    ScanReason Reason,
    string Nonce,
    DateTimeOffset ScannedAt,
    DateTimeOffset At)
{
    public long Sequence { get; init; }

    public long Hlc { get; init; }

    /// <summary>The ticket type the badge was judged by, when it named an attendee (walk-ins are in no ledger yet).</summary>
    public string? TicketType { get; init; }

    public bool Passed => Reason.IsPassage();
}
