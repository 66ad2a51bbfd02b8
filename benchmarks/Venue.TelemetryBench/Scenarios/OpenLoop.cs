using System.Diagnostics;
using Venue.Domain.Readers;
using Venue.Domain.Telemetry;
using Venue.LoadHarness.Load;
using Venue.TelemetryBench.Floor;

namespace Venue.TelemetryBench.Scenarios;

/// <summary>
/// Offers a schedule's batches to an edge on time from a pacing thread, whatever happened to
/// earlier ones, and times each portal movement from the tick its crossing read was handed in at to
/// the zone occupancy event it caused on the stream.
/// </summary>
internal static class OpenLoop
{
    public static async Task<OpenLoopResult> RunAsync(BenchEdge edge, OpenLoopSchedule schedule, Func<Batch, Task> send)
    {
        var layout = edge.Floor.Layout;
        var capacity = (int)Math.Min(int.MaxValue / 2, schedule.Reads + 1024);
        var moves = new MoveSample[capacity];
        var occupancy = new OccupancySample[capacity];
        var moveCount = 0;
        var occupancyCount = 0;
        // Handlers run inside the grains' turns: they only take a timestamp and a slot.
        using var onMove = edge.Silo.Streams.SubscribeNamespace<Movement>(TelemetryStreams.Movements, e =>
        {
            var now = Stopwatch.GetTimestamp();
            var slot = Interlocked.Increment(ref moveCount) - 1;
            if (slot < moves.Length)
            {
                moves[slot] = new MoveSample(e.Item, now);
            }

            return Task.CompletedTask;
        });
        using var onOccupancy = edge.Silo.Streams.SubscribeNamespace<ZoneOccupancyChanged>(TelemetryStreams.ZoneOccupancy, e =>
        {
            var now = Stopwatch.GetTimestamp();
            var slot = Interlocked.Increment(ref occupancyCount) - 1;
            if (slot < occupancy.Length)
            {
                occupancy[slot] = new OccupancySample(e.Item.ZoneId, e.Item.CausedAt.UtcTicks, now);
            }

            return Task.CompletedTask;
        });

        InProcessScenario.SettleGc();
        var gc = GcActivity.Now();
        var sends = new List<Task>(schedule.Ticks.Sum(t => t.Batches.Length));
        var lag = new LatencyRecorder(schedule.Ticks.Length);
        var start = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 20);
        var paced = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pacing = new Thread(() =>
        {
            try
            {
                var pacer = new Pacer(spinMicroseconds: 25);
                pacer.PrepareCurrentThread();
                for (var k = 0; k < schedule.Ticks.Length; k++)
                {
                    var due = start + schedule.DueTicks(k);
                    pacer.WaitUntil(due);
                    lag.Record(Stopwatch.GetTimestamp() - due);
                    foreach (var batch in schedule.Ticks[k].Batches)
                    {
                        sends.Add(send(batch));
                    }
                }

                paced.SetResult();
            }
            catch (Exception e)
            {
                paced.SetException(e);
            }
        })
        { IsBackground = true, Name = "telbench pacer", Priority = ThreadPriority.AboveNormal };
        pacing.Start();
        await paced.Task;
        var offered = TimeSpan.FromSeconds((Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency);
        string? failure = null;
        try
        {
            await Task.WhenAll(sends).WaitAsync(TimeSpan.FromSeconds(120));
            await edge.WaitJournaledAsync(schedule.Reads, TimeSpan.FromSeconds(120));
        }
        catch (Exception e) when (e is TimeoutException or Messaging.Mqtt.MqttException)
        {
            failure = e.Message;
        }

        var backlogCleared = TimeSpan.FromSeconds((Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency) - offered;
        var drained = await edge.DrainPassesAsync(TimeSpan.FromSeconds(30));
        var gcUsed = GcActivity.Now().Since(gc);
        onMove.Dispose();
        onOccupancy.Dispose();

        // The zone's occupancy event for a movement is its entry event: the destination zone, caused at the crossing's read time.
        var entered = new Dictionary<(string Zone, long At), long>();
        for (var i = 0; i < Math.Min(occupancyCount, occupancy.Length); i++)
        {
            var o = occupancy[i];
            if (!entered.TryGetValue((o.Zone, o.At), out var seen) || o.Timestamp < seen)
            {
                entered[(o.Zone, o.At)] = o.Timestamp;
            }
        }

        var deciding = new LatencyRecorder(Math.Max(1, moveCount));
        var window = new LatencyRecorder(Math.Max(1, moveCount));
        var unmatched = 0;
        long worstGap = 0;
        for (var i = 0; i < Math.Min(moveCount, moves.Length); i++)
        {
            var move = moves[i].Movement;
            if (move.ToZone is null || !layout.TryGetPortal(move.Via, out _))
            {
                continue; // a gate move: no read behind it
            }

            if (!schedule.Crossings.TryGetValue((EpcCodec.Encode(move.AttendeeId), move.ReadAt.UtcTicks / TimeSpan.TicksPerMillisecond), out var crossing))
            {
                unmatched++;
                continue;
            }

            var at = moves[i].Timestamp;
            if (entered.TryGetValue((move.ToZone, move.ReadAt.UtcTicks), out var zoneAt))
            {
                worstGap = Math.Max(worstGap, at - zoneAt);
                at = zoneAt;
            }

            var latency = at - (start + schedule.DueTicks(crossing.Tick));
            (crossing.Deciding ? deciding : window).Record(latency);
        }

        return new OpenLoopResult(schedule.Reads, offered, backlogCleared, deciding.Summarize(), window.Summarize(), lag.Summarize(), unmatched,
            moveCount, occupancyCount, LatencyRecorder.ToMicroseconds(worstGap), drained, gcUsed, failure);
    }

    private readonly record struct MoveSample(Movement Movement, long Timestamp);

    private readonly record struct OccupancySample(string Zone, long At, long Timestamp);
}

/// <summary>
/// One open-loop phase: reads offered and how long that took, how long the edge then needed to
/// catch up, latency of passes decided by their crossing read and of those decided by the
/// direction window, the pacer's own lateness, and how the stream matched.
/// </summary>
internal sealed record OpenLoopResult(
    long Reads,
    TimeSpan Offered,
    TimeSpan CatchUp,
    LatencySummary Deciding,
    LatencySummary Window,
    LatencySummary PacerLag,
    int Unmatched,
    int Movements,
    int OccupancyEvents,
    double WorstMoveAfterOccupancyMicros,
    bool Drained,
    GcActivity Gc,
    string? Failure);
