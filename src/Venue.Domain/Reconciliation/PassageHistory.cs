using Venue.Domain.Central;
using Venue.Domain.CheckIn;

namespace Venue.Domain.Reconciliation;

/// <summary>
/// Every passage of one attendee in clock order, and what follows from them. The answer depends only
/// on the set of passages, never on the order uploads arrived in: that is what makes central
/// converge however partitions heal.
/// </summary>
public sealed class PassageHistory
{
    private readonly List<Passage> _passages = [];

    public IReadOnlyList<Passage> Passages => _passages;

    /// <summary>The last <see cref="Fold"/>'s answer (nothing known yet: outside, never admitted).</summary>
    public HistoryVerdict Verdict { get; private set; } = new(false, false, []);

    /// <summary>False while the verdict's conflicts have not reached the conflict store (a write failed); retried on the next apply.</summary>
    public bool ConflictsStored { get; set; } = true;

    /// <summary>
    /// The standing (inside, admitted at least once) last reported to a caller that counts it. It
    /// trails <see cref="Verdict"/> when an apply changed the history and then failed: the next apply
    /// (a repair's replay, with nothing new to add) reports that change instead of losing it.
    /// </summary>
    public (bool Inside, bool Admitted) Counted { get; set; }

    /// <summary>Adds a passage in clock order; false when this (edge, sequence) is already known.</summary>
    public bool Add(Passage passage)
    {
        ArgumentNullException.ThrowIfNull(passage);
        if (!passage.Reason.IsPresenceEvidence())
        {
            throw new ArgumentException($"Only admissions and exits (also those refused as not_inside) say where an attendee is, not '{passage.Reason.Code()}'.", nameof(passage));
        }

        var index = _passages.BinarySearch(passage);
        if (index >= 0)
        {
            return false;
        }

        // Same clock value from the same edge and sequence is the same entry; anything else is new.
        _passages.Insert(~index, passage);
        return true;
    }

    /// <summary>
    /// Folds the passages in clock order. An admission while already inside by an admission at
    /// another edge, with no exit between, is a double admission: the person is counted once and
    /// the pair becomes a conflict. Two admissions at one edge cannot happen (the edge refuses the
    /// second) and are counted once without a conflict. An exit refused as not_inside (an edge that
    /// had not heard of the admission) is an exit: nobody is kept in. A single-entry badge (its
    /// ticket type allows no re-entry) admitted again at another edge after an exit is a conflict
    /// too: that edge would have refused it as reentry_not_allowed had it heard of the first admission.
    /// </summary>
    public HistoryVerdict Fold(string attendeeId, DateTimeOffset detectedAt)
    {
        var inside = false;
        var admitted = false;
        Passage? admittedBy = null;
        Passage? lastAdmission = null;
        List<Conflict>? conflicts = null;
        foreach (var p in _passages)
        {
            if (p.Reason == ScanReason.Admitted)
            {
                admitted = true;
                if (inside && admittedBy is not null && admittedBy.EdgeId != p.EdgeId)
                {
                    (conflicts ??= []).Add(new Conflict(attendeeId, Ref(admittedBy), Ref(p), detectedAt));
                }
                else if (!inside && p.SingleEntry && lastAdmission is not null && lastAdmission.EdgeId != p.EdgeId)
                {
                    (conflicts ??= []).Add(new Conflict(attendeeId, Ref(lastAdmission), Ref(p), detectedAt));
                }

                if (!inside)
                {
                    admittedBy = p;
                }

                inside = true;
                lastAdmission = p;
            }
            else
            {
                inside = false;
                admittedBy = null;
            }
        }

        return Verdict = new HistoryVerdict(inside, admitted, conflicts ?? []);
    }

    private static PassageRef Ref(Passage p) => new(p.EdgeId, p.Sequence, p.GateId, p.At, p.Hlc);
}

/// <summary>Where an attendee's passages leave them: inside or not, ever admitted, and their double admissions.</summary>
public sealed record HistoryVerdict(bool Inside, bool EverAdmitted, IReadOnlyList<Conflict> Conflicts);
