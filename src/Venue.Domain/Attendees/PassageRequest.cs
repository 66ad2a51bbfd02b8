using Venue.Domain.CheckIn;

namespace Venue.Domain.Attendees;

/// <summary>A gate asking an attendee's grain to let them in or out, the badge already validated.</summary>
public sealed record PassageRequest(
    string GateId,
    ScanDirection Direction,
    string Nonce,
    DateTimeOffset ScannedAt,
    bool ReentryAllowed,
    AttendeeSummary Attendee);
