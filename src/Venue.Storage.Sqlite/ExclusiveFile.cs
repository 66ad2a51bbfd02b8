namespace Venue.Storage.Sqlite;

/// <summary>
/// A file held open with no sharing: a lock one holder at a time may have, across processes and
/// within one, which the operating system lets go of with the process.
/// </summary>
public static class ExclusiveFile
{
    /// <summary>Opens (creating it if need be) and holds <paramref name="path"/>; null when another holder has it.</summary>
    public static FileStream? TryHold(string path)
    {
        try
        {
            return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e.GetType() == typeof(IOException))
        {
            return null; // held elsewhere (subclasses such as FileNotFoundException are real errors)
        }
    }
}
