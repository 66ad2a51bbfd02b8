namespace Venue.SyncBench.Workload;

/// <summary>
/// Samples this process' working set and managed heap on a thread of its own (so a busy thread pool
/// does not skew it) until disposed, keeping the peaks.
/// </summary>
internal sealed class MemorySampler : IDisposable
{
    private readonly Thread _thread;
    private readonly TimeSpan _interval;
    private volatile bool _stopping;
    private long _peakWorkingSet;
    private long _peakHeap;

    public MemorySampler(TimeSpan interval)
    {
        _interval = interval;
        Sample();
        _thread = new Thread(Run) { IsBackground = true, Name = "memory sampler" };
        _thread.Start();
    }

    /// <summary>The highest working set and managed heap seen since the start (read after disposing).</summary>
    public MemoryReading Peak => new(Interlocked.Read(ref _peakWorkingSet), Interlocked.Read(ref _peakHeap));

    public static MemoryReading Now() => new(Environment.WorkingSet, GC.GetTotalMemory(forceFullCollection: false));

    private void Run()
    {
        while (!_stopping)
        {
            Thread.Sleep(_interval);
            Sample();
        }
    }

    private void Sample()
    {
        var now = Now();
        Interlocked.Exchange(ref _peakWorkingSet, Math.Max(Interlocked.Read(ref _peakWorkingSet), now.WorkingSet));
        Interlocked.Exchange(ref _peakHeap, Math.Max(Interlocked.Read(ref _peakHeap), now.Heap));
    }

    public void Dispose()
    {
        _stopping = true;
        _thread.Join();
        Sample();
    }
}

/// <summary>Working set (resident memory) and managed heap, in bytes.</summary>
internal readonly record struct MemoryReading(long WorkingSet, long Heap);
