namespace Venue.OpsConsole.Model;

/// <summary>
/// How a console feeder retries a failed read of what it follows (a store or journal blip): 1 s,
/// doubling to 30 s, logging the first failure of a run and every 20th, so a long outage costs a
/// handful of log lines rather than ending the console's scans.
/// </summary>
public static class FollowRetry
{
    public static TimeSpan DelayAfter(int failures) => TimeSpan.FromSeconds(Math.Min(30, Math.Pow(2, Math.Clamp(failures - 1, 0, 5))));

    public static bool WorthLogging(int failures) => failures == 1 || failures % 20 == 0;
}
