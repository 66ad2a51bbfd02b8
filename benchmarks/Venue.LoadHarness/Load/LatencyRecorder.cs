using System.Diagnostics;

namespace Venue.LoadHarness.Load;

/// <summary>
/// Keeps every sample (Stopwatch ticks) in a preallocated array and sorts once at the end: exact
/// percentiles, no histogram buckets, no allocation while recording. Thread-safe.
/// </summary>
public sealed class LatencyRecorder
{
    private readonly long[] _samples;
    private int _count;
    private long _dropped;

    public LatencyRecorder(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _samples = new long[capacity];
    }

    public int Count => Math.Min(Volatile.Read(ref _count), _samples.Length);

    /// <summary>Samples that did not fit; they are counted but not in the percentiles.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    public void Record(long ticks)
    {
        var slot = Interlocked.Increment(ref _count) - 1;
        if (slot < _samples.Length)
        {
            _samples[slot] = ticks;
        }
        else
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    /// <summary>Forgets every sample; only while nothing records.</summary>
    public void Clear()
    {
        Volatile.Write(ref _count, 0);
        Interlocked.Exchange(ref _dropped, 0);
    }

    /// <summary>Sorts the samples; call once recording has stopped.</summary>
    public LatencySummary Summarize()
    {
        var n = Count;
        if (n == 0)
        {
            return LatencySummary.Empty;
        }

        var span = _samples.AsSpan(0, n);
        span.Sort();
        return new LatencySummary(
            n,
            ToMicroseconds(At(span, 0.50)),
            ToMicroseconds(At(span, 0.95)),
            ToMicroseconds(At(span, 0.99)),
            ToMicroseconds(At(span, 0.999)),
            ToMicroseconds(span[^1]));
    }

    /// <summary>Nearest-rank percentile of sorted samples.</summary>
    private static long At(ReadOnlySpan<long> sorted, double quantile)
    {
        var rank = (int)Math.Ceiling(quantile * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static double ToMicroseconds(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}

/// <summary>Latency percentiles in microseconds.</summary>
public sealed record LatencySummary(int Count, double P50, double P95, double P99, double P999, double Max)
{
    public static LatencySummary Empty { get; } = new(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
}
