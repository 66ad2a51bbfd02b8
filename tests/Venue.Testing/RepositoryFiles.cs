namespace Venue.Testing;

/// <summary>Files of this repository (silo-config/, scripts) that tests read as users would.</summary>
public static class RepositoryFiles
{
    /// <summary>The repository root: the first directory above the test assembly that holds Venue.sln.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>A path under the repository root, e.g. <c>Path("silo-config", "venue-layout.json")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Venue.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Venue.sln not found above the test's directory.");
    }
}
