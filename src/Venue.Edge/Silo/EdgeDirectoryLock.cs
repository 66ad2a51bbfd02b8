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
        var path = Path.Combine(directory, FileName);
        FileStream? held;
        try
        {
            Directory.CreateDirectory(directory);
            held = Venue.Storage.Sqlite.ExclusiveFile.TryHold(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The first file the edge writes there: a read-only mount or the wrong owner shows up here.
            throw new IOException(
                $"Edge data directory {directory} cannot be written ({e.Message.Trim()}): the edge writes every scan to its journal there. " +
                "Make it writable by the user running the edge (or mount its disk read-write), or set Edge:DataDirectory to one that is, and start again.", e);
        }

        return new EdgeDirectoryLock(held ?? throw new IOException(
            $"Edge data directory {directory} is held by another edge (it has {FileName} there open); stop that edge first, or give this one its own Edge:DataDirectory."));
    }

    public void Dispose() => _file.Dispose();
}
