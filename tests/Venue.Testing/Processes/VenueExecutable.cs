using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;

namespace Venue.Testing.Processes;

/// <summary>What a finished <c>venue</c> process left behind.</summary>
public sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>The device token <c>devices add</c> printed, alone on a line (it is shown once).</summary>
    public string DeviceToken =>
        StandardOutput.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("vdt_", StringComparison.Ordinal));

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{StandardOutput}\n--- stderr\n{StandardError}";
}

/// <summary>
/// The real <c>venue</c> executable (src/Venue.Cli's build output, run with the same dotnet host as
/// the tests), started as a child process the way operators start it.
/// </summary>
public static class VenueExecutable
{
    private static readonly Lazy<string?> Dll = new(Locate);

    /// <summary>venue.dll, or null when it has not been built for this configuration.</summary>
    public static string? Path => Dll.Value;

    public static string DotnetHost =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    private static string? Locate()
    {
        // The test assembly names the Cli's build output (its VenueCliOutput metadata); this helper
        // lives in a library, so look through what is loaded rather than at its own assembly.
        var candidates = new List<string>();
        var testAssembly = AppDomain.CurrentDomain.GetAssemblies()
            .FirstOrDefault(a => !a.IsDynamic && a.GetCustomAttributes<AssemblyMetadataAttribute>().Any(m => m.Key == "VenueCliOutput"));
        if (testAssembly?.GetCustomAttributes<AssemblyMetadataAttribute>().First(a => a.Key == "VenueCliOutput").Value is { Length: > 0 } built)
        {
            candidates.Add(System.IO.Path.Combine(built, "venue.dll"));
        }

        // Fallback when the tree moved after the build: find the repository root above the test
        // assembly and the Cli's output for the same configuration and framework.
        var configuration = (testAssembly ?? typeof(VenueExecutable).Assembly).GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var framework = new DirectoryInfo(AppContext.BaseDirectory).Name;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Venue.sln")))
            {
                candidates.Add(System.IO.Path.Combine(dir.FullName, "src", "Venue.Cli", "bin", configuration, framework, "venue.dll"));
                break;
            }
        }

        return candidates.FirstOrDefault(c => File.Exists(c) && File.Exists(System.IO.Path.ChangeExtension(c, ".runtimeconfig.json")));
    }

    public static ProcessStartInfo StartInfo(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(DotnetHost)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Path ?? throw new InvalidOperationException("venue.dll has not been built."));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        // Nothing from the test runner's environment may reconfigure the child.
        foreach (var key in info.Environment.Keys.Where(k => k.StartsWith("VENUE_", StringComparison.Ordinal) || k.StartsWith("ASPNETCORE_", StringComparison.Ordinal)).ToList())
        {
            info.Environment.Remove(key);
        }

        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["NO_COLOR"] = "1";
        return info;
    }

    /// <summary>Runs <c>venue args...</c> to completion; kills it (and fails) if it outlives the timeout.</summary>
    public static Task<ProcessResult> RunAsync(string workingDirectory, TimeSpan timeout, params string[] args) =>
        RunAsync(workingDirectory, timeout, new Dictionary<string, string>(), args);

    /// <summary>
    /// The same, with <paramref name="environment"/> set for the child (secrets that must not be
    /// arguments); an empty value removes the variable (for example the <c>NO_COLOR</c> set above).
    /// </summary>
    public static async Task<ProcessResult> RunAsync(string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var info = StartInfo(workingDirectory, args);
        foreach (var (name, value) in environment)
        {
            if (value.Length == 0)
            {
                info.Environment.Remove(name);
            }
            else
            {
                info.Environment[name] = value;
            }
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().Within(timeout, $"'venue {string.Join(' ', args)}' to exit");
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new ProcessResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>A loopback port nobody listens on right now.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
