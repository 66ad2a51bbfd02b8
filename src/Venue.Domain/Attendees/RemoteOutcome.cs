namespace Venue.Domain.Attendees;

/// <summary>What a passage made at another edge did to an attendee here (stored with it, so a restart does the same).</summary>
public enum RemoteOutcome
{
    /// <summary>Nothing: not evidence of presence, or older than what the attendee has seen and telling nothing new.</summary>
    Ignored = 0,

    /// <summary>Newer than the attendee's latest passage: counted, and it decides where they are.</summary>
    Applied = 1,

    /// <summary>
    /// An admission older than the attendee's latest passage (an exit here, say) and the first this
    /// edge hears of: it moves nobody, but the badge has been used to get in, which a single-entry
    /// ticket's re-entry rule must know.
    /// </summary>
    NotedAdmission = 2,
}
