namespace Venue.Domain.Sessions;

/// <summary>
/// Who attended one session: the time each attendee spent in its room during its schedule, summed
/// over their stays, and who has reached the minimum stay. Stays are added as they complete
/// (when the attendee leaves the room), so someone still inside is judged when they leave.
/// </summary>
public sealed class SessionAttendance
{
    private readonly Dictionary<string, TimeSpan> _time = new(StringComparer.Ordinal);
    private readonly HashSet<string> _attended = new(StringComparer.Ordinal);

    public int Attended => _attended.Count;

    public bool HasAttended(string attendeeId) => _attended.Contains(attendeeId);

    /// <summary>
    /// Adds a completed stay in the room; true when it makes the attendee an attendee of the session
    /// for the first time (the moment to award points).
    /// </summary>
    public bool AddStay(SessionDefinition session, string attendeeId, DateTimeOffset entered, DateTimeOffset left, TimeSpan minimumStay)
    {
        var from = entered > session.StartsAt ? entered : session.StartsAt;
        var to = left < session.EndsAt ? left : session.EndsAt;
        if (to <= from || _attended.Contains(attendeeId))
        {
            return false;
        }

        var total = (_time.TryGetValue(attendeeId, out var before) ? before : TimeSpan.Zero) + (to - from);
        if (total < minimumStay)
        {
            _time[attendeeId] = total;
            return false;
        }

        _time.Remove(attendeeId);
        return _attended.Add(attendeeId);
    }
}
