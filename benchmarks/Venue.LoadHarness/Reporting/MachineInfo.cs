using System.Runtime;
using System.Runtime.InteropServices;

namespace Venue.LoadHarness.Reporting;

/// <summary>The machine a run happened on, printed with its figures.</summary>
internal sealed record MachineInfo(string Cpu, int Cores, string Memory, string OperatingSystem, string Runtime, string Gc)
{
    public static MachineInfo Collect() => new(
        ReadField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        Environment.ProcessorCount,
        MemoryTotal(),
        $"{OsName()} (kernel {Kernel()}, {RuntimeInformation.OSArchitecture})",
        RuntimeInformation.FrameworkDescription,
        $"{(GCSettings.IsServerGC ? "server" : "workstation")}, {GCSettings.LatencyMode}, {Gen0Budget()}");

    /// <summary>The gen0 budget setting, which only the environment can give (no runtimeconfig knob): it decides how often gen0 collections fall in a run.</summary>
    private static string Gen0Budget() =>
        Environment.GetEnvironmentVariable("DOTNET_GCgen0size") is { Length: > 0 } size ? $"gen0 budget DOTNET_GCgen0size={size}" : "default gen0 budget";

    /// <summary>1, 5 and 15 minute load averages: a busy machine shows in every figure of a run.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static string MemoryTotal()
    {
        var total = ReadField("/proc/meminfo", "MemTotal");
        return total is not null && long.TryParse(total.Split(' ')[0], out var kilobytes)
            ? $"{kilobytes / (1024.0 * 1024):0.0} GiB"
            : "unknown";
    }

    private static string Kernel() =>
        File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : Environment.OSVersion.VersionString;

    private static string OsName()
    {
        var pretty = File.Exists("/etc/os-release")
            ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
            : null;
        return pretty?["PRETTY_NAME=".Length..].Trim('"') ?? RuntimeInformation.OSDescription;
    }

    private static string? ReadField(string path, string field)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        var colon = line?.IndexOf(':', StringComparison.Ordinal) ?? -1;
        return colon < 0 ? null : line![(colon + 1)..].Trim();
    }
}
