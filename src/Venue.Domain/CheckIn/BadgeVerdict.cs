namespace Venue.Domain.CheckIn;

/// <summary>
/// What the badge itself says before presence is considered: a refusal, or the attendee and
/// whether their ticket allows re-entry.
/// </summary>
public readonly record struct BadgeVerdict(ScanReason? Refusal, string? AttendeeId, AttendeeSummary? Attendee, bool Reentry)
{
    public static BadgeVerdict Refuse(ScanReason reason, string? attendeeId = null, AttendeeSummary? attendee = null) =>
        new(reason, attendeeId, attendee, false);
}
