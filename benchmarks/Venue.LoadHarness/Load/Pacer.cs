using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Venue.LoadHarness.Load;

/// <summary>
/// Waits until a Stopwatch timestamp with microsecond precision and without burning a core:
/// Thread.Sleep rounds to milliseconds, far too coarse for a send every 200 µs. On Linux the
/// calling thread sleeps in nanosleep with its timer slack cut to 1 µs, then spins only for the
/// last few microseconds. Elsewhere it falls back to Sleep/SpinWait.
/// </summary>
internal sealed partial class Pacer
{
    private const int PrSetTimerSlack = 29;
    private readonly long _spinTicks;
    private readonly bool _native;

    /// <param name="spinMicroseconds">How long before the deadline to stop sleeping and spin.</param>
    public Pacer(double spinMicroseconds)
    {
        _spinTicks = (long)(spinMicroseconds * Stopwatch.Frequency / 1_000_000);
        _native = OperatingSystem.IsLinux();
    }

    /// <summary>Call once on the thread that will pace.</summary>
    public void PrepareCurrentThread()
    {
        if (_native)
        {
            _ = prctl(PrSetTimerSlack, 1, 0, 0, 0);
        }
    }

    public void WaitUntil(long timestamp)
    {
        var remaining = timestamp - Stopwatch.GetTimestamp();
        if (remaining > _spinTicks)
        {
            Sleep(remaining - _spinTicks);
        }

        var spin = new SpinWait();
        while (Stopwatch.GetTimestamp() < timestamp)
        {
            // SpinOnce(-1) never escalates to Sleep(1), which would overshoot by a millisecond.
            spin.SpinOnce(sleep1Threshold: -1);
        }
    }

    private void Sleep(long ticks)
    {
        var nanoseconds = (long)(ticks * (1_000_000_000.0 / Stopwatch.Frequency));
        if (_native)
        {
            var request = new TimeSpec { Seconds = nanoseconds / 1_000_000_000, Nanoseconds = nanoseconds % 1_000_000_000 };
            _ = nanosleep(in request, IntPtr.Zero);
        }
        else if (nanoseconds >= 2_000_000)
        {
            Thread.Sleep((int)(nanoseconds / 1_000_000) - 1);
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "nanosleep")]
    private static partial int nanosleep(in TimeSpec request, IntPtr remaining);

    [LibraryImport("libc", EntryPoint = "prctl")]
    private static partial int prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);
}
