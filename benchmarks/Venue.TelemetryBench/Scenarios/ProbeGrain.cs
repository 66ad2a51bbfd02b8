using System.Diagnostics;
using Venue.Runtime;

namespace Venue.TelemetryBench.Scenarios;

/// <summary>
/// A grain whose turn does a fixed microsecond of work and nothing else: called like the
/// leaderboard, its rounds show what queueing 500 calls on one activation costs by itself.
/// </summary>
[GrainType("bench-probe")]
public interface IProbeGrain : IGrainWithStringKey
{
    Task<long> SpinAsync(long points);
}

public sealed class ProbeGrain : Grain, IProbeGrain
{
    private static readonly long Microsecond = Math.Max(1, Stopwatch.Frequency / 1_000_000);
    private long _total;

    public Task<long> SpinAsync(long points)
    {
        var until = Stopwatch.GetTimestamp() + Microsecond;
        while (Stopwatch.GetTimestamp() < until)
        {
        }

        return Task.FromResult(_total += points);
    }
}
