namespace Venue.Storage.Sqlite;

/// <summary>
/// A file held open with no sharing: a lock one holder at a time may have, across processes and
/// within one, which the operating system lets go of with the process.
/// </summary>
public static class ExclusiveFile
{
    // What "someone else holds it" looks like: flock's EWOULDBLOCK (11 on Linux, 35 on macOS) as the
    // HResult .NET gives on Unix; a sharing or lock violation on Windows.
    private static readonly HashSet<int> HeldElsewhere = [11, 35, unchecked((int)0x80070020), unchecked((int)0x80070021)];

    /// <summary>
    /// Opens (creating it if need be) and holds <paramref name="path"/>; null when another holder has it.
    /// Any other failure (a read-only file system, a disk error) is thrown, not taken for a holder.
    /// </summary>
    public static FileStream? TryHold(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e.GetType() == typeof(IOException) && HeldElsewhere.Contains(e.HResult))
        {
            return null;
        }
    }
}
