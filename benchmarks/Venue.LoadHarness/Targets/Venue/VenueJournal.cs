using Venue.Domain.CheckIn;
using Venue.Storage.Sqlite;

namespace Venue.LoadHarness.Targets.Venue;

internal static class VenueJournal
{
    /// <summary>
    /// Reads an edge journal back: attendees with an admission, and entries. Distinct attendees, so
    /// that an attendee admitted twice shows up as fewer inside than admissions answered. Entries up
    /// to <paramref name="afterSequence"/> (a warm-up's) are left out.
    /// </summary>
    public static TargetTally Tally(string journalPath, long afterSequence = 0)
    {
        var admitted = new HashSet<string>(StringComparer.Ordinal);
        long entries = 0;
        foreach (var entry in SqliteCheckInJournal.ReadAll(journalPath, afterSequence))
        {
            entries++;
            if (entry.Reason == ScanReason.Admitted && entry.AttendeeId is { } id)
            {
                admitted.Add(id);
            }
        }

        return new TargetTally(admitted.Count, entries);
    }
}
