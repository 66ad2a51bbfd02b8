namespace Venue.Domain.Attendees;

/// <summary>Where an attendee is. Rebuilt from the journal on restart.</summary>
public sealed class AttendeeState
{
    public bool Inside { get; set; }

    public int Entries { get; set; }

    public int Exits { get; set; }

    public string? LastGate { get; set; }

    public DateTimeOffset? LastPassageAt { get; set; }
}
