namespace Venue.Edge.Silo;

/// <summary>
/// An edge's claim on its data directory: <c>edge.lock</c> there, kept open with no sharing (on
/// Linux an flock taken by the runtime), so a second edge on the same directory is refused before it
/// opens the journal instead of writing into it beside the first. The operating system drops the
/// lock with the handle, so an edge killed outright (SIGKILL, a power cut) leaves nothing to clear
/// and restarts on the directory at once. Only edges take it: the device commands that open
/// devices.db while an edge runs are not excluded.
/// </summary>
internal sealed class EdgeDirectoryLock : IDisposable
{
    public const string FileName = "edge.lock";

    private readonly FileStream _file;

    private EdgeDirectoryLock(FileStream file) => _file = file;

    /// <summary>Takes the lock, creating the directory if need be; an IOException naming the directory when another edge holds it.</summary>
    public static EdgeDirectoryLock Acquire(string dataDirectory)
    {
        var directory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        return new EdgeDirectoryLock(Venue.Storage.Sqlite.ExclusiveFile.TryHold(path) ?? throw new IOException(
            $"Edge data directory {directory} is held by another edge (it has {FileName} there open); stop that edge first, or give this one its own Edge:DataDirectory."));
    }

    public void Dispose() => _file.Dispose();
}
