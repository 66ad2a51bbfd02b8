namespace Venue.Domain.Zones;

/// <summary>An attendee's zone and admission, rebuilt from the journals on restart.</summary>
public sealed class AttendeeLocationState
{
    public string? Zone { get; set; }

    public DateTimeOffset? Since { get; set; }

    /// <summary>Time of the latest move applied; an older one is out of order.</summary>
    public DateTimeOffset? LastMovedAt { get; set; }

    public bool Admitted { get; set; }

    /// <summary>Time of the latest gate passage; an older one does not change <see cref="Admitted"/>.</summary>
    public DateTimeOffset? LastGateAt { get; set; }

    public long Moves { get; set; }
}
