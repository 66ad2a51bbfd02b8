namespace Venue.Domain.Portals;

/// <summary>
/// A portal's open passes and counters. Kept in grain storage only so an idle collection does not
/// lose them; the edge rebuilds them by replaying the read journal.
/// </summary>
public sealed class PortalState
{
    internal PassTracker? Tracker { get; set; }

    public long MovementsIn { get; set; }

    public long MovementsOut { get; set; }

    /// <summary>One-antenna passes towards the side the attendee was already on.</summary>
    public long SingleAntennaIgnored { get; set; }

    /// <summary>Two-antenna passes into the zone the attendee was already in.</summary>
    public long AlreadyThere { get; set; }

    public long OutOfOrder { get; set; }

    /// <summary>Decided passes of attendees no gate has admitted (tailgating, or a missed exit scan).</summary>
    public long NotAdmitted { get; set; }

    /// <summary>Decided passes whose attendee's move failed; the journal still holds their reads.</summary>
    public long MoveFailures { get; set; }
}
