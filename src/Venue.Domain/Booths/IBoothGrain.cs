using Venue.Runtime;

namespace Venue.Domain.Booths;

/// <summary>An exhibitor's booth, keyed by booth id: its leads (one per attendee) and visits to its floor area.</summary>
[GrainType("booth")]
public interface IBoothGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records a lead. The first capture of an attendee counts and awards
    /// <see cref="Leaderboards.PointsTable.Booth"/> points to the attendee and to the booth; a later
    /// one updates the rating and notes it carries (a null keeps the old value) and counts nothing.
    /// Publishes <see cref="Telemetry.LeadCaptured"/> on <see cref="Telemetry.TelemetryStreams.Leads"/>.
    /// </summary>
    Task<LeadCaptureResult> CaptureLeadAsync(LeadCapture capture);

    /// <summary>The attendee entered the booth's zone: a visit (the zone calls this).</summary>
    Task RecordVisitAsync(string attendeeId, DateTimeOffset at);

    /// <summary>Every lead, in the order first captured: the exhibitor's export.</summary>
    [ReadOnly]
    Task<IReadOnlyList<BoothLead>> GetLeadsAsync();

    [ReadOnly]
    Task<BoothStatus> GetStatusAsync();
}

/// <summary>A booth's counters: leads, visits (every entry to its zone), distinct visitors, and its leaderboard score.</summary>
public sealed record BoothStatus(string BoothId, string Name, string Exhibitor, string? Zone, int Leads, long Visits, int DistinctVisitors, long Score);
