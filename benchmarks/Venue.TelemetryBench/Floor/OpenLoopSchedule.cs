using System.Diagnostics;
using Venue.Domain.Layout;
using Venue.Domain.Readers;

namespace Venue.TelemetryBench.Floor;

/// <summary>
/// The day's first reads offered at a fixed rate: read j of the day (event-time order) is read at
/// <c>j / rate</c> seconds; every reader hands in what it has read once per tick (its batching
/// interval), whatever happened to earlier batches (open loop). Built before the clock starts, with
/// the index the latency is matched by: for the first read of each antenna in each pass, the tick
/// it is handed in at and whether it is the read that decides the pass (the far antenna's first
/// read, clearly after the near one's: the pass is decided the moment the edge routes it).
/// </summary>
internal sealed class OpenLoopSchedule
{
    private OpenLoopSchedule(int rate, TimeSpan tick, Tick[] ticks, Dictionary<(string Epc, long At), Crossing> crossings, long reads)
    {
        Rate = rate;
        TickLength = tick;
        Ticks = ticks;
        Crossings = crossings;
        Reads = reads;
    }

    public int Rate { get; }

    public TimeSpan TickLength { get; }

    /// <summary>Tick k (0-based) is handed in at start + (k + 1) × tick.</summary>
    public Tick[] Ticks { get; }

    /// <summary>Crossing reads by EPC and read time in whole milliseconds since 0001-01-01.</summary>
    public Dictionary<(string Epc, long At), Crossing> Crossings { get; }

    public long Reads { get; }

    public long DueTicks(int tick) => (long)((tick + 1) * TickLength.TotalSeconds * Stopwatch.Frequency);

    public static OpenLoopSchedule Build(BenchFloor floor, int rate, TimeSpan tick, double seconds, Func<int, TagRead[], object?>? prepare = null)
    {
        var count = (long)Math.Min(floor.TotalReads, rate * seconds);
        var perTick = Math.Max(1, rate * tick.TotalSeconds);
        var layout = floor.Layout;
        var ticks = new List<Tick>();
        var crossings = new Dictionary<(string, long), Crossing>();
        var passes = new Dictionary<(string Portal, string Epc), PassSketch>();
        var debounce = layout.DebounceWindow.Ticks;
        var simultaneity = layout.SimultaneityWindow.Ticks;
        long j = 0;
        for (var k = 0; j < count; k++)
        {
            var end = Math.Min(count, (long)Math.Round((k + 1) * perTick));
            var shares = new Dictionary<int, List<TagRead>>();
            for (; j < end; j++)
            {
                var at = floor.Order[j];
                var read = floor.Reads[at.Reader][at.Index];
                if (!shares.TryGetValue(at.Reader, out var share))
                {
                    shares[at.Reader] = share = [];
                }

                share.Add(read);
                Sketch(layout, passes, crossings, read, k, debounce, simultaneity);
            }

            ticks.Add(new Tick([.. shares.OrderBy(s => s.Key).Select(s => new Batch(s.Key, s.Value.ToArray(), prepare?.Invoke(s.Key, [.. s.Value])))]));
        }

        return new OpenLoopSchedule(rate, tick, [.. ticks], crossings, count);
    }

    /// <summary>Follows each badge's pass at each portal just far enough to know its crossing reads and which one decides.</summary>
    private static void Sketch(VenueLayout layout, Dictionary<(string, string), PassSketch> passes, Dictionary<(string, long), Crossing> crossings,
        TagRead read, int tick, long debounce, long simultaneity)
    {
        if (!layout.TryGetPortal(read.ReaderId, read.Antenna, out var portal))
        {
            return;
        }

        var t = read.ReadAt.UtcTicks;
        var key = (portal.Id, read.Epc);
        if (!passes.TryGetValue(key, out var pass) || t - pass.LastRead > debounce)
        {
            passes[key] = pass = new PassSketch();
        }

        pass.LastRead = Math.Max(pass.LastRead, t);
        var outer = read.Antenna == portal.OuterAntenna;
        ref var first = ref outer ? ref pass.FirstOuter : ref pass.FirstInner;
        var other = outer ? pass.FirstInner : pass.FirstOuter;
        if (first != long.MinValue)
        {
            return;
        }

        first = t;
        var deciding = other != long.MinValue && t - other > simultaneity;
        // Keyed by whole milliseconds: Zebra JSON carries read times to the millisecond (the journal to the
        // microsecond), and the movement carries the time as the edge got it.
        crossings.TryAdd((read.Epc, t / TimeSpan.TicksPerMillisecond), new Crossing(tick, deciding));
    }

    private sealed class PassSketch
    {
        public long LastRead = long.MinValue;
        public long FirstOuter = long.MinValue;
        public long FirstInner = long.MinValue;
    }
}

/// <summary>What the readers hand in at one tick.</summary>
internal sealed record Tick(Batch[] Batches);

/// <summary>One reader's batch, and whatever the transport prepared for it beforehand (an MQTT payload).</summary>
internal sealed record Batch(int Reader, TagRead[] Reads, object? Prepared);

/// <summary>A pass's first read at one antenna: the tick it is handed in at, and whether it decides the pass.</summary>
internal readonly record struct Crossing(int Tick, bool Deciding);
