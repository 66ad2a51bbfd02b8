using System.Runtime.InteropServices;

namespace Venue.LoadHarness.Hosting;

/// <summary>
/// Who runs a server that refuses root (PostgreSQL's initdb and postgres do). When the harness is
/// root, the commands go through <c>runuser -u postgres</c> (or <c>nobody</c> when there is no
/// postgres account) and the server's directory is handed to that account first.
/// </summary>
internal sealed partial class ServiceAccount
{
    private const string RunUser = "/usr/sbin/runuser";

    private ServiceAccount(string? user) => User = user;

    /// <summary>The account commands run as, or null when they run as the harness' own user.</summary>
    public string? User { get; }

    public static ServiceAccount ForNonRootServer()
    {
        if (!OperatingSystem.IsLinux() || geteuid() != 0)
        {
            return new ServiceAccount(null);
        }

        if (!File.Exists(RunUser))
        {
            throw new InvalidOperationException($"running as root and {RunUser} is missing, so the server cannot run as another user");
        }

        var accounts = File.ReadLines("/etc/passwd").Select(l => l.Split(':')[0]).ToHashSet(StringComparer.Ordinal);
        var user = new[] { "postgres", "nobody" }.FirstOrDefault(accounts.Contains)
            ?? throw new InvalidOperationException("running as root and neither a 'postgres' nor a 'nobody' account exists");
        return new ServiceAccount(user);
    }

    /// <summary>The command line that runs <paramref name="fileName"/> as <see cref="User"/>.</summary>
    public (string FileName, List<string> Arguments) Command(string fileName, params IEnumerable<string> arguments)
    {
        if (User is null)
        {
            return (fileName, [.. arguments]);
        }

        return (RunUser, ["-u", User, "--", fileName, .. arguments]);
    }

    /// <summary>Hands <paramref name="directory"/> to <see cref="User"/>.</summary>
    public async Task GrantAsync(string directory, CancellationToken cancellationToken)
    {
        if (User is null)
        {
            return;
        }

        var result = await ProcessRunner.RunAsync("chown", ["-R", $"{User}:", directory], TimeSpan.FromSeconds(30), cancellationToken);
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"chown of {directory} to {User} failed: {result.Output}");
        }
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint geteuid();
}
