namespace Venue.Domain.Booths;

/// <summary>
/// A booth scanned an attendee's badge. <see cref="Rating"/> (1 to 5) and <see cref="Notes"/>
/// (at most <see cref="MaxNotesLength"/> characters) are the exhibitor's own, both optional.
/// </summary>
public sealed record LeadCapture(string AttendeeId, int? Rating, string? Notes, DateTimeOffset At)
{
    public const int MaxNotesLength = 1000;

    /// <summary>What is wrong with this capture, in words for the booth app; null when it is fine.</summary>
    public string? Problem() =>
        string.IsNullOrWhiteSpace(AttendeeId) ? "AttendeeId is required."
        : Rating is < 1 or > 5 ? $"Rating must be 1 to 5, was {Rating}."
        : Notes is { Length: > MaxNotesLength } ? $"Notes may be at most {MaxNotesLength} characters, were {Notes.Length}."
        : null;
}

/// <summary>What a capture did; <see cref="Lead"/> is the lead as it now stands (null when rejected).</summary>
public sealed record LeadCaptureResult(LeadCaptureOutcome Outcome, BoothLead? Lead, string? Problem = null);

public enum LeadCaptureOutcome
{
    /// <summary>A new lead: counted, and points awarded to the attendee and the booth.</summary>
    Captured,

    /// <summary>The attendee was already a lead here: rating and notes updated, nothing counted again.</summary>
    Updated,

    /// <summary>Invalid (see <see cref="LeadCaptureResult.Problem"/>): nothing changed.</summary>
    Rejected,
}

/// <summary>A lead as the exhibitor exports it. Names are not known at the edge: only the attendee id.</summary>
public sealed record BoothLead(string AttendeeId, int? Rating, string? Notes, DateTimeOffset FirstCapturedAt, DateTimeOffset LastCapturedAt);
