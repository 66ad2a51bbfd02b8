using Venue.Domain.CheckIn;

namespace Venue.Domain.Reconciliation;

/// <summary>
/// An admission or exit journaled at some edge, as central reconciles it. Passages are ordered by
/// hybrid logical clock, then edge id and sequence, so every silo sorts them the same way.
/// </summary>
public sealed record Passage(string EdgeId, long Sequence, long Hlc, string GateId, ScanReason Reason, DateTimeOffset At)
    : IComparable<Passage>
{
    /// <summary>The badge's ticket type allowed one entry (no re-entry) when it was scanned.</summary>
    public bool SingleEntry { get; init; }

    public int CompareTo(Passage? other)
    {
        if (other is null)
        {
            return 1;
        }

        var byClock = Hlc.CompareTo(other.Hlc);
        if (byClock != 0)
        {
            return byClock;
        }

        var byEdge = string.CompareOrdinal(EdgeId, other.EdgeId);
        return byEdge != 0 ? byEdge : Sequence.CompareTo(other.Sequence);
    }
}
