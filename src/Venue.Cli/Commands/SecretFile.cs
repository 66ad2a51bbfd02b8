namespace Venue.Cli.Commands;

/// <summary>Files that hold a secret (a password, a token): readable by their owner only from the first byte.</summary>
internal static class SecretFile
{
    /// <summary>
    /// Opens <paramref name="temporary"/> new, owner-only, to be renamed over the real file once written.
    /// A leftover of an earlier run is deleted first: opened as it was, it would keep its mode (world
    /// readable, say) or lead through a symlink to wherever it points.
    /// </summary>
    public static FileStream CreateTemporary(string temporary)
    {
        File.Delete(temporary);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(temporary, options);
    }
}
