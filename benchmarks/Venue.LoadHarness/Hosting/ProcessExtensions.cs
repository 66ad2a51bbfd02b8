using System.Diagnostics;

namespace Venue.LoadHarness.Hosting;

internal static class ProcessExtensions
{
    /// <summary>Kills a server process and its children if still running, waiting up to 5 s; one already gone is fine.</summary>
    public static void KillQuietly(this Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(5000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
