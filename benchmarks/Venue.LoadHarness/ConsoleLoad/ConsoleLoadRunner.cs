using System.Diagnostics;
using System.Net;
using Venue.LoadHarness.Load;
using Venue.LoadHarness.Reporting;
using Venue.LoadHarness.Targets;
using Venue.LoadHarness.Targets.Venue;

namespace Venue.LoadHarness.ConsoleLoad;

/// <summary>
/// One real <c>venue edge</c> process (the harness' venue-http target, with an ops credential), warmed
/// up once; then, level by level, N console stream clients connect and listen while the harness'
/// fixed-rate phase offers the scan load over HTTP, and they are disconnected again. The same edge
/// with no client is the peer; the levels run in the order given, so a 0 at the end shows drift.
/// </summary>
internal sealed class ConsoleLoadRunner(ConsoleLoadOptions options, TextWriter console)
{
    private const int RecorderCapacity = 2_500_000;
    private const int WarmupClients = 10;
    private static readonly TimeSpan ConnectWithin = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DrainWithin = TimeSpan.FromSeconds(15);

    public async Task<ConsoleLoadReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var loadBefore = MachineInfo.LoadAverage();
        var perLevel = (int)Math.Ceiling(options.Rate * options.Seconds);
        // Each level presents its own block of attendees (ShiftedTarget), so the event holds one block per level.
        var eventLedger = new Ledger(perLevel * options.Clients.Count);
        var workload = new Workload(new Ledger(perLevel), perLevel, options.RepeatShare, options.Gates, options.Seed);
        var directory = Directory.CreateTempSubdirectory("venue-console-load-");
        var sends = new SendLog();
        var edge = new VenueHttpTarget(withOps: true);
        var target = new ShiftedTarget(edge, sends);
        var levels = new List<LevelResult>();
        string warmup;
        try
        {
            console.WriteLine($"event: {eventLedger.Count:N0} attendees ({perLevel:N0} per level), {options.Gates} gates; signing badges and starting the edge ...");
            var clock = Stopwatch.StartNew();
            await target.StartAsync(new TargetSetup(eventLedger, options.Gates, 64, directory.FullName, TimeSpan.FromSeconds(options.WarmupSeconds)),
                cancellationToken);
            var process = edge.Edge!;
            console.WriteLine($"edge pid {process.ProcessId} on {process.Address} ready after {clock.Elapsed.TotalSeconds:0.0} s; warming up with {WarmupClients} stream clients attached ...");

            using var http = StreamHttp(process.Address);
            // The stream's own code path is tiered up too before the first measured level.
            warmup = await WithClientsAsync(http, process.OpsToken!, WarmupClients, new StreamLevel(sends, 1, 1), cancellationToken,
                _ => edge.WarmUpCurrentAsync(cancellationToken));
            console.WriteLine(warmup);

            for (var k = 0; k < options.Clients.Count; k++)
            {
                target.Offset = k * perLevel;
                var result = await RunLevelAsync(options.Clients[k], edge, target, workload, http, sends, cancellationToken);
                levels.Add(result);
                console.WriteLine(Describe(result));
            }
        }
        finally
        {
            await target.DisposeAsync();
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
                // The edge may hold a file for a moment after it exits; the temp directory is cleaned eventually.
            }
        }

        return new ConsoleLoadReport(options, MachineInfo.Collect(), levels, [.. edge.Facts], warmup, started, DateTimeOffset.UtcNow,
            loadBefore, MachineInfo.LoadAverage());
    }

    private async Task<LevelResult> RunLevelAsync(int clients, VenueHttpTarget edge, ShiftedTarget target, Workload workload, HttpClient http,
        SendLog sends, CancellationToken cancellationToken)
    {
        Settle();
        var perLevel = (long)Math.Ceiling(options.Rate * options.Seconds);
        var sampleEvery = (int)Math.Max(1, Math.Ceiling(clients * perLevel * 1.2 / RecorderCapacity));
        var level = new StreamLevel(sends, sampleEvery, RecorderCapacity);
        var process = edge.Edge!;
        var loadAverage = MachineInfo.LoadAverage();
        LevelResult? result = null;
        await WithClientsAsync(http, process.OpsToken!, clients, level, cancellationToken, async streams =>
        {
            // Let the connection burst settle before the clock starts.
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            var before = await process.JournalSequenceAsync(cancellationToken);
            sends.Clear();
            _ = edge.TakeServerTimings();
            using var edgeProcess = Process.GetProcessById(process.ProcessId);
            var (edgeCpu, harnessCpu, wall) = (edgeProcess.TotalProcessorTime, Process.GetCurrentProcess().TotalProcessorTime, Stopwatch.StartNew());
            level.Open(before);

            var scans = await new FixedRatePhase(target, workload, options.Rate, TimeSpan.FromSeconds(options.Seconds), options.SpinMicroseconds)
                .RunAsync(cancellationToken);
            var server = edge.TakeServerTimings();
            var last = await process.JournalSequenceAsync(cancellationToken);

            // Every client should see every scan of the phase; wait (bounded) for the slowest.
            var drain = Stopwatch.StartNew();
            while (streams.Any(s => s.Failure is null && s.MaxJournal < last) && drain.Elapsed < DrainWithin)
            {
                await Task.Delay(20, cancellationToken);
            }

            level.Close();
            edgeProcess.Refresh();
            var edgeUsed = edgeProcess.TotalProcessorTime - edgeCpu;
            var harnessUsed = Process.GetCurrentProcess().TotalProcessorTime - harnessCpu;
            var entries = last - before;
            result = new LevelResult(
                clients,
                scans,
                server,
                entries,
                [.. streams.Select(s => s.ScanEvents)],
                streams.Count(s => s.ScanEvents == entries),
                [.. streams.SelectMany(s => s.ResyncReasons)],
                streams.Sum(s => s.Holes),
                [.. streams.Where(s => s.Failure is not null).Select(s => s.Failure!)],
                level.PublishToClient.Summarize(),
                sampleEvery,
                level.SendToClient.Summarize(),
                Math.Min(clients, options.ProbeClients),
                options.Seconds,
                edgeUsed,
                harnessUsed,
                wall.Elapsed,
                streams.Count == 0 ? 0 : streams.Average(s => (double)s.Bytes),
                loadAverage);
            return "";
        });
        return result!;
    }

    /// <summary>Connects <paramref name="count"/> stream clients, runs <paramref name="body"/> while they listen, then disconnects them.</summary>
    private async Task<string> WithClientsAsync(HttpClient http, string opsToken, int count, StreamLevel level, CancellationToken cancellationToken,
        Func<IReadOnlyList<StreamClient>, Task<string>> body)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var streams = Enumerable.Range(0, count).Select(i => new StreamClient(http, opsToken, level, probe: i < options.ProbeClients)).ToList();
        var running = streams.Select(s => Task.Run(() => s.RunAsync(stop.Token), CancellationToken.None)).ToList();
        try
        {
            var connected = Task.WhenAll(streams.Select(s => s.Connected));
            if (await Task.WhenAny(connected, Task.Delay(ConnectWithin, cancellationToken)) != connected)
            {
                throw new TimeoutException($"{streams.Count(s => !s.Connected.IsCompleted)} of {count} stream clients were not connected within {ConnectWithin.TotalSeconds:0} s");
            }

            await connected;
            return await body(streams);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(running);
        }
    }

    /// <summary>One pool for every stream client: a connection each, never reused by the scans' own pool.</summary>
    private static HttpClient StreamHttp(Uri address) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        BaseAddress = address,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private static string Describe(LevelResult r)
    {
        var (median, min) = r.EventsPerClientPerSecond;
        return $"{r.Clients,4} clients: scan p50 {r.Scans.Latency.P50:N0} µs, p99 {r.Scans.Latency.P99:N0} µs (server p99 {r.ServerTiming.P99:N0} µs), " +
            $"answered {r.Scans.Answered:N0}/{r.Scans.Scheduled:N0}; " +
            (r.Clients == 0
                ? "no clients"
                : $"events/client/s median {median:N0} min {min:N0}, complete {r.CompleteClients}/{r.Clients}, resyncs {r.Resyncs.Count}, " +
                  $"publish→client p99 {r.PublishToClient.P99 / 1000:N1} ms, send→client p99 {r.SendToClient.P99 / 1000:N1} ms") +
            $"; CPU edge {r.EdgeCpu.TotalSeconds / r.Wall.TotalSeconds:P0} harness {r.HarnessCpu.TotalSeconds / r.Wall.TotalSeconds:P0} of one core; load {r.LoadAverage}";
    }

    /// <summary>A full collection between levels, so one level's garbage is not collected in the next.</summary>
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
