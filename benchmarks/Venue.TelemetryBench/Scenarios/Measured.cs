using System.Diagnostics;
using Venue.LoadHarness.Load;

namespace Venue.TelemetryBench.Scenarios;

/// <summary>Wall time, the process' CPU time and GC activity over a phase: where the time went, next to how long it took.</summary>
internal sealed class Measured
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TimeSpan _cpu = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly GcActivity _gc = GcActivity.Now();
    private TimeSpan? _elapsed;
    private TimeSpan _cpuUsed;
    private GcActivity _gcUsed;

    public TimeSpan Elapsed => _elapsed ?? _clock.Elapsed;

    public TimeSpan Cpu => _cpuUsed;

    public GcActivity Gc => _gcUsed;

    public Measured Stop()
    {
        _elapsed = _clock.Elapsed;
        _cpuUsed = Process.GetCurrentProcess().TotalProcessorTime - _cpu;
        _gcUsed = GcActivity.Now().Since(_gc);
        return this;
    }

    public double Rate(long items) => items / Elapsed.TotalSeconds;

    /// <summary>CPU milliseconds of this process per 1,000 items (all cores together).</summary>
    public double CpuPerThousand(long items) => items == 0 ? double.NaN : Cpu.TotalMilliseconds * 1000 / items;

    /// <summary>Cores this process kept busy on average.</summary>
    public double Cores => Cpu.TotalSeconds / Elapsed.TotalSeconds;
}
