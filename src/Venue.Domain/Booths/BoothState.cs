namespace Venue.Domain.Booths;

/// <summary>A booth's leads and visits, rebuilt from the read journal (leads are journaled facts) on restart.</summary>
public sealed class BoothState
{
    /// <summary>By attendee id; the list keeps first-capture order for the export.</summary>
    public Dictionary<string, BoothLead> Leads { get; } = new(StringComparer.Ordinal);

    public List<string> LeadOrder { get; } = [];

    public HashSet<string> Visitors { get; } = new(StringComparer.Ordinal);

    public long Visits { get; set; }

    public long Score { get; set; }
}
