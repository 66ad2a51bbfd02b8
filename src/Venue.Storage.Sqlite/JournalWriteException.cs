namespace Venue.Storage.Sqlite;

/// <summary>A journal commit failed (disk full, I/O error): the scans in it were not admitted.</summary>
public sealed class JournalWriteException(string path, Exception inner)
    : Exception($"Could not commit to the journal {path}: {inner.Message}", inner);
