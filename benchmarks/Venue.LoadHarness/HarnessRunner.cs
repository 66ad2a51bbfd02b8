using System.Diagnostics;
using Venue.LoadHarness.Load;
using Venue.LoadHarness.Reporting;
using Venue.LoadHarness.Targets;

namespace Venue.LoadHarness;

/// <summary>
/// Runs every target in turn, on the same workload: start (server, ledger), warm up, reset,
/// fixed-rate latency phase, read back and reset, throughput phase, read back, stop.
/// </summary>
internal sealed class HarnessRunner(HarnessOptions options, TextWriter console)
{
    public async Task<HarnessReport> RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var loadBefore = MachineInfo.LoadAverage();
        var ledger = new Ledger(options.Attendees);
        var length = Math.Max((int)Math.Ceiling(options.Rates.Max() * options.Seconds), 2_000_000);
        var workload = new Workload(ledger, length, options.RepeatShare, options.Gates, options.Seed);
        console.WriteLine($"ledger {ledger.Count:N0} attendees, {options.Gates} gates, repeat share {options.RepeatShare:P0}, seed {options.Seed}");

        var results = new List<TargetResult>();
        foreach (var name in options.Targets)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results.Add(await RunTargetAsync(name, workload, cancellationToken));
        }

        return new HarnessReport(options, MachineInfo.Collect(), workload, results, started, DateTimeOffset.UtcNow,
            loadBefore, MachineInfo.LoadAverage());
    }

    private async Task<TargetResult> RunTargetAsync(string name, Workload workload, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory($"venue-load-{name}-");
        var target = TargetCatalog.Create(name);
        var result = new TargetResult(name) { Description = target.Description };
        try
        {
            console.Write($"{name,-15} starting ... ");
            var setupClock = Stopwatch.StartNew();
            var setup = new TargetSetup(workload.Ledger, workload.Gates, options.Workers, directory.FullName,
                TimeSpan.FromSeconds(options.WarmupSeconds));
            using (var setupLimit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                setupLimit.CancelAfter(TimeSpan.FromMinutes(3));
                await target.StartAsync(setup, setupLimit.Token);
            }

            result.SetupTime = setupClock.Elapsed;
            console.WriteLine($"ready in {setupClock.Elapsed.TotalSeconds:0.0} s ({string.Join(", ", target.Facts)})");

            if (options.WarmupSeconds > 0)
            {
                await new ThroughputPhase(target, workload, options.Workers, TimeSpan.FromSeconds(options.WarmupSeconds)).RunAsync(cancellationToken);
                await target.ResetAsync(cancellationToken);
            }

            foreach (var rate in options.Rates)
            {
                Settle();
                var fixedRate = await new FixedRatePhase(target, workload, rate, TimeSpan.FromSeconds(options.Seconds),
                    options.SpinMicroseconds).RunAsync(cancellationToken);
                var check = Verify(await target.TallyAsync($"{rate:N0}/s", cancellationToken), fixedRate.Admitted, fixedRate.Answered,
                    fixedRate.Errors + fixedRate.Abandoned, workload.DistinctAttendeesIn(fixedRate.Scheduled));
                result.FixedRates.Add((fixedRate, check));
                console.WriteLine($"{"",-15} {fixedRate.Rate:N0}/s fixed rate: p50 {fixedRate.Latency.P50:N0} µs, p99 {fixedRate.Latency.P99:N0} µs, " +
                    $"max {fixedRate.Latency.Max:N0} µs, answered {fixedRate.Answered:N0}/{fixedRate.Scheduled:N0}, GC {fixedRate.Gc}, {check}");
                await target.ResetAsync(cancellationToken);
            }

            Settle();
            var throughput = await new ThroughputPhase(target, workload, options.Workers, TimeSpan.FromSeconds(options.Seconds)).RunAsync(cancellationToken);
            result.Throughput = throughput;
            result.ThroughputCheck = Verify(await target.TallyAsync("throughput", cancellationToken), throughput.Admitted, throughput.Completed, throughput.Errors,
                workload.DistinctAttendeesIn(throughput.Issued));
            console.WriteLine($"{"",-15} {throughput.Workers} workers: {throughput.ChecksPerSecond:N0} checks/s, " +
                $"p99 {throughput.Latency.P99:N0} µs, GC {throughput.Gc}, {result.ThroughputCheck}");
        }
        catch (TargetUnavailableException e)
        {
            result.Skipped = e.Message;
            console.WriteLine($"skipped: {e.Message}");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            result.Failed = e.Message;
            console.WriteLine($"failed: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            result.Facts = [.. target.Facts];
            try
            {
                await target.DisposeAsync();
            }
            catch (Exception e)
            {
                console.WriteLine($"{name}: stopping failed: {e.Message}");
            }

            TryDelete(directory);
        }

        return result;
    }

    /// <summary>
    /// Compares what the target answered with what it stored: every admitted check made exactly one
    /// attendee inside (so nobody was admitted twice) and every answered check left one journal row.
    /// Checks that failed or were abandoned may or may not have been stored, so they widen the band.
    /// When every check was answered, the admissions must also be exactly the distinct attendees the
    /// phase presented: a target that refused a fresh badge (and so did less work) does not pass.
    /// </summary>
    private static string Verify(TargetTally tally, long admitted, long answered, long unsure, long distinctPresented)
    {
        var insideOk = tally.Inside >= admitted && tally.Inside <= admitted + unsure;
        var journalOk = tally.Journaled >= answered && tally.Journaled <= answered + unsure;
        var answersOk = unsure > 0 || admitted == distinctPresented;
        return (insideOk, journalOk, answersOk) switch
        {
            (true, true, true) => "ok",
            (true, true, false) => $"MISMATCH: {admitted:N0} admitted vs {distinctPresented:N0} distinct attendees presented",
            _ => $"MISMATCH: {tally.Inside:N0} inside vs {admitted:N0} admitted, {tally.Journaled:N0} journaled vs {answered:N0} answered",
        };
    }

    /// <summary>A full collection between phases, so one phase's garbage is not collected in the next.</summary>
    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static void TryDelete(DirectoryInfo directory)
    {
        try
        {
            directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A server may still hold a file for a moment; the temp directory is cleaned eventually.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
