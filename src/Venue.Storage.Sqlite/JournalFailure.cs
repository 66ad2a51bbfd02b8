namespace Venue.Storage.Sqlite;

/// <summary>
/// A journal whose commits fail (disk full, I/O error): SQLite's reason for the latest failure,
/// when the failures began, and how many appends have been refused since. It lasts until a commit
/// succeeds again.
/// </summary>
public sealed record JournalFailure(string Path, string Reason, DateTimeOffset Since, long RefusedAppends)
{
    /// <summary>When the journal last tried a write of its own (<see cref="JournalOptions.ProbeInterval"/>) and failed; null before the first.</summary>
    public DateTimeOffset? LastProbeAt { get; init; }
}
