using System.Globalization;
using Venue.LoadHarness.Hosting;

namespace Venue.Testing.Processes;

/// <summary>POSIX signals to other processes, as a supervisor or <c>docker stop</c> sends them.</summary>
public static class Signals
{
    /// <summary>Sends SIGTERM to <paramref name="pid"/>; throws when <c>kill</c> fails, unless <paramref name="goneIsFine"/> says the process may have exited.</summary>
    public static async Task TerminateAsync(int pid, Func<bool>? goneIsFine = null, CancellationToken cancellationToken = default)
    {
        var signal = await ProcessRunner.RunAsync("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)], TimeSpan.FromSeconds(10), cancellationToken);
        if (!signal.Succeeded && goneIsFine?.Invoke() != true)
        {
            throw new InvalidOperationException($"kill -TERM {pid} failed: {signal.Output}");
        }
    }
}
