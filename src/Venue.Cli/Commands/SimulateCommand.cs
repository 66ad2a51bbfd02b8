using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using Venue.Simulation;

namespace Venue.Cli.Commands;

/// <summary><c>venue simulate</c>: a whole morning rush against central and its edges, one of them cut off mid-rush, then a report and a verdict.</summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var attendees = new Option<int>("--attendees") { Description = "Attendees in the event.", DefaultValueFactory = _ => 15_000 };
        var gates = new Option<int>("--gates") { Description = "Gates (one scanner each).", DefaultValueFactory = _ => 40 };
        var duration = new Option<double>("--duration") { Description = "Seconds the compressed morning rush lasts.", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Random seed: the same seed plans the same morning.", DefaultValueFactory = _ => 42 };
        var edges = new Option<int>("--edges") { Description = "Edges (north, south, east, west) sharing the gates, each syncing with one central.", DefaultValueFactory = _ => 2 };
        var noPartition = new Option<bool>("--no-partition") { Description = "Keep every link up (by default north is cut off from central from 35 % to 70 % of the rush)." };
        var dataDir = new Option<DirectoryInfo?>("--data-dir") { Description = "Keep central's and the edges' data, the ledger and the credentials here (default: a temporary directory, removed after)." };
        var reportJson = new Option<FileInfo?>("--report-json") { Description = "Also write the report as JSON to this file." };
        var noCrowd = new Option<bool>("--no-crowd") { Description = "Stop after the rush (by default the crowd then wanders each edge's floor, reported by RFID readers)." };
        var wander = new Option<double>("--wander") { Description = "Seconds the crowd's two hours on the floor are compressed into.", DefaultValueFactory = _ => 10 };
        var rabbitMq = new Option<Uri?>("--rabbitmq") { Description = "Send the readers through a real RabbitMQ with its MQTT plugin: its AMQP address for the edges, amqp://user:password@host:5672/ (readers publish with the same user).",
            CustomParser = AddressParser.Absolute("--rabbitmq", "amqp://user:password@localhost:5672/", "amqp", "amqps"),
        };
        var mqttPort = new Option<int>("--mqtt-port") { Description = "The MQTT port of the --rabbitmq host.", DefaultValueFactory = _ => 1883 };
        var plain = new Option<bool>("--plain") { Description = "Plain progress lines instead of the live display (the default when output is redirected)." };
        var command = new Command("simulate", "Simulate a morning rush: central and edges in one process on embedded storage, driven by scanner clients over real HTTP, with duplicates, forgeries, retries and one edge cut off from central mid-rush; exits non-zero if the verdict fails.")
        {
            attendees, gates, duration, edges, noPartition, noCrowd, wander, rabbitMq, mqttPort, seed, dataDir, reportJson, plain,
        };
        command.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            // Before the run, not after it: a path that cannot be written would fail only once the whole rush is done.
            if (parse.GetValue(reportJson) is { } reportFile)
            {
                if (Directory.Exists(reportFile.FullName))
                {
                    throw new ArgumentException($"--report-json {reportFile.FullName} is a directory; give the file to write the report to.");
                }

                if (reportFile.Directory is { Exists: false } missing)
                {
                    throw new ArgumentException($"--report-json {reportFile.FullName}: its directory {missing.FullName} does not exist.");
                }

                // Opened for writing now, so a path that exists but cannot be written (/proc, a read-only
                // mount) shows here too; and emptied: a run that fails or is cancelled leaves no report,
                // never an earlier run's for a script to read as this one's.
                try
                {
                    using (new FileStream(reportFile.FullName, FileMode.OpenOrCreate, FileAccess.Write))
                    {
                    }

                    File.Delete(reportFile.FullName);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new ArgumentException($"--report-json {reportFile.FullName} cannot be written: {e.Message}");
                }
            }

            var options = new SimulationOptions
            {
                Attendees = parse.GetValue(attendees),
                Gates = parse.GetValue(gates),
                Rush = Seconds(parse.GetValue(duration)),
                Seed = parse.GetValue(seed),
                Edges = parse.GetValue(edges),
                Partition = !parse.GetValue(noPartition),
                DataDirectory = parse.GetValue(dataDir)?.FullName,
                Crowd = !parse.GetValue(noCrowd),
                Wander = Seconds(parse.GetValue(wander)),
                RabbitMq = parse.GetValue(rabbitMq),
                MqttPort = parse.GetValue(mqttPort),
            };
            options.Validate();
            // The command line installs its Ctrl+C and SIGTERM handling once the action first yields:
            // before generating a million badges, not after.
            await Task.Yield();
            var live = !parse.GetValue(plain) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
            var report = live ? await RunLiveAsync(options, ct) : await RunPlainAsync(options, ct);
            Render(report);
            if (parse.GetValue(reportJson) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true }), ct);
            }

            return ExitCode(report);
        }));
        return command;
    }

    /// <summary>0 when the verdict passes (checks the run did not exercise do not fail it), 1 when it fails; 2 (bad input) comes from the guard.</summary>
    public static int ExitCode(SimulationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return report.Passed ? 0 : 1;
    }

    /// <summary>
    /// Seconds as given on the command line. TimeSpan.FromSeconds throws on NaN (a message naming no
    /// option) and on values beyond about 29,000 years (an OverflowException, a stack trace): such
    /// values become ones just as far out of range, so Validate refuses them naming the option.
    /// </summary>
    private static TimeSpan Seconds(double seconds) =>
        double.IsNaN(seconds) ? TimeSpan.Zero : TimeSpan.FromSeconds(Math.Clamp(seconds, -1e9, 1e9));

    private static async Task<SimulationReport> RunPlainAsync(SimulationOptions options, CancellationToken ct)
    {
        var lastPrinted = TimeSpan.MinValue;
        var lastPhase = "";
        var progress = new SynchronousProgress(p =>
        {
            if (p.Phase != lastPhase || p.Elapsed - lastPrinted >= TimeSpan.FromSeconds(2))
            {
                lastPhase = p.Phase;
                lastPrinted = p.Elapsed;
                Console.WriteLine(p.Sent > 0
                    ? $"[{p.Elapsed.TotalSeconds,5:0.0}s] {p.Phase}: {p.Sent:N0}/{p.Planned:N0} scans sent, {p.Admitted:N0} admitted, {p.Refused:N0} refused, round trip p99 {p.RoundTripP99Ms:0.00} ms{(p.Link is null ? "" : $"; {p.Link}")}"
                    : $"[{p.Elapsed.TotalSeconds,5:0.0}s] {p.Phase}{(p.Link is null ? "" : $": {p.Link}")}");
            }
        });
        return await SimulationRunner.RunAsync(options, progress, ct, venue =>
        {
            foreach (var e in venue.Edges)
            {
                Console.WriteLine($"{e.EdgeId} ops console: {new Uri(e.Host.Address, "/console")} (sign in with ops token {e.OpsToken})");
            }
        });
    }

    /// <summary>
    /// The live dashboard: the run's progress, each edge's ops console (URL and a sign-in token),
    /// the busiest gates, zones colored by level, and the alerts as they are raised.
    /// </summary>
    private static async Task<SimulationReport> RunLiveAsync(SimulationOptions options, CancellationToken ct)
    {
        SimulationProgress? latest = null;
        var watches = new List<Dashboard.SiloWatch>();
        var consoles = new List<string>();
        var gate = new object();
        var stopping = false;
        var progress = new SynchronousProgress(p =>
        {
            latest = p;
            if (p.Phase.StartsWith("Stopping", StringComparison.Ordinal))
            {
                lock (gate)
                {
                    stopping = true;
                }
            }
        });
        IReadOnlyList<Dashboard.GateRow> gates = [];
        IReadOnlyList<Dashboard.ZoneRow> zones = [];
        IReadOnlyList<string> alerts = [];

        async Task<Dashboard.DashboardView> ReadAsync()
        {
            List<Dashboard.SiloWatch> watching;
            lock (gate)
            {
                watching = stopping ? [] : [.. watches];
            }

            if (watching.Count > 0)
            {
                try
                {
                    var read = await Task.WhenAll(watching.Select(w => w.ReadAsync()));
                    gates = [.. read.SelectMany(r => r.Gates)];
                    zones = [.. read.SelectMany(r => r.Zones)];
                    alerts = Dashboard.SiloWatch.LatestAlerts(watching);
                }
                catch (Exception e) when (e is ObjectDisposedException or InvalidOperationException)
                {
                    // The venue is being torn down: keep the last picture.
                }
            }

            var p = latest;
            var facts = new List<string>();
            if (p is not null)
            {
                facts.Add(p.Sent > 0
                    ? $"[{p.Elapsed.TotalSeconds:0.0}s] {p.Phase}: {p.Sent:N0}/{p.Planned:N0} scans, {p.Admitted:N0} admitted, {p.Refused:N0} refused, round trip p99 {p.RoundTripP99Ms:0.00} ms{(p.Link is null ? "" : $"; {p.Link}")}"
                    : $"[{p.Elapsed.TotalSeconds:0.0}s] {p.Phase}{(p.Link is null ? "" : $": {p.Link}")}");
            }

            facts.AddRange(consoles);
            return new Dashboard.DashboardView("venue simulate", facts, gates, zones, Dashboard.NoticeList.Alerts(alerts), []);
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var drawing = Dashboard.LiveDashboard.RunAsync(ReadAsync, stop.Token);
        try
        {
            return await SimulationRunner.RunAsync(options, progress, ct, venue =>
            {
                lock (gate)
                {
                    watches.AddRange(venue.Edges.Select(e => new Dashboard.SiloWatch(e.Host.Silo)));
                    consoles.AddRange(venue.Edges.Select(e => $"{e.EdgeId} ops console: {new Uri(e.Host.Address, "/console")} (token {e.OpsToken})"));
                }
            });
        }
        finally
        {
            await stop.CancelAsync();
            await drawing;
            lock (gate)
            {
                foreach (var watch in watches)
                {
                    watch.Dispose();
                }
            }
        }
    }

    /// <summary>
    /// The terminal's console; or, when the output goes to a file or a pipe (a CI log, <c>| tee</c>),
    /// one without colors or other escape sequences and 120 columns wide, so the report reads as
    /// plain text and ids are not broken across lines.
    /// </summary>
    internal static IAnsiConsole ReportConsole(bool redirected, TextWriter output)
    {
        if (!redirected)
        {
            return AnsiConsole.Console;
        }

        var plain = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        plain.Profile.Width = 120;
        return plain;
    }

    private static void Render(SimulationReport r)
    {
        var console = ReportConsole(Console.IsOutputRedirected, Console.Out);
        console.WriteLine();
        var summary = new Table().Border(TableBorder.Rounded).Title($"Morning rush: {r.Attendees:N0} attendees, {r.Gates} gates").AddColumn("").AddColumn(new TableColumn("").RightAligned());
        summary.AddRow("Scans sent", $"{r.ScansSent:N0}");
        summary.AddRow("Admitted", $"{r.Admitted:N0}");
        summary.AddRow("Exits", $"{r.Exited:N0}");
        foreach (var (reason, count) in r.RefusedByReason)
        {
            summary.AddRow($"Refused: {reason}", $"{count:N0}");
        }

        summary.AddRow("Duplicates blocked (already_inside)", $"{r.DuplicatesBlocked:N0}");
        summary.AddRow("Broken requests rejected (400)", $"{r.BadRequestsRejected:N0}");
        summary.AddRow("Throughput, mean / peak second", $"{r.ScansPerSecond:N0} / {r.PeakScansPerSecond:N0} scans/s");
        summary.AddRow("Journal entries / disk commits", $"{r.JournalEntries:N0} / {r.JournalCommits:N0}");
        summary.AddRow("Edge start (ledger from central)", $"{r.Startup.TotalMs:N0} ms ({r.Startup.LedgerLoadMs:N0} ms)");
        console.Write(summary);

        RenderSync(console, r.Sync);

        if (r.Crowd is { } crowd)
        {
            RenderCrowd(console, crowd);
        }

        var latency = new Table().Border(TableBorder.Rounded).Title("Latency (ms)").AddColumn("").AddColumn("p50").AddColumn("p95").AddColumn("p99").AddColumn("max");
        latency.AddRow(["Server (check-in incl. durable journal)", .. LatencyCells(r.ServerMs)]);
        latency.AddRow(["Round trip (HTTP on loopback)", .. LatencyCells(r.RoundTripMs)]);
        console.Write(latency);

        var verdict = new Table().Border(TableBorder.Rounded).Title("Verdict").AddColumn("check").AddColumn("").AddColumn("detail");
        foreach (var c in r.Checks)
        {
            verdict.AddRow(Markup.Escape(c.Name), !c.Exercised ? "[grey]not exercised[/]" : c.Passed ? "[green]pass[/]" : "[red]FAIL[/]", Markup.Escape(c.Detail));
        }

        console.Write(verdict);
        var idle = r.Checks.Count(c => !c.Exercised);
        var tally = $"{r.Checks.Count(c => c.Passed)} of {r.Checks.Count} checks passed{(idle > 0 ? $", {idle} not exercised by this run" : "")}";
        console.MarkupLine(r.Passed ? $"[green]Verdict: PASS[/] ({tally})" : $"[red]Verdict: FAIL[/] ({tally})");
    }

    private static void RenderSync(IAnsiConsole console, SyncFigures s)
    {
        var edges = new Table().Border(TableBorder.Rounded).Title($"Edges and central ({s.Edges.Count} edge{(s.Edges.Count == 1 ? "" : "s")}, one central)")
            .AddColumn("edge").AddColumn(new TableColumn("gates").RightAligned()).AddColumn(new TableColumn("journal").RightAligned())
            .AddColumn(new TableColumn("held at central").RightAligned()).AddColumn(new TableColumn("passages from other edges").RightAligned());
        foreach (var e in s.Edges)
        {
            edges.AddRow(e.EdgeId, $"{e.Gates}", $"{e.JournalEntries:N0}", $"{e.HeldAtCentral:N0}", $"{e.RemotePassagesApplied:N0}");
        }

        console.Write(edges);

        var sync = new Table().Border(TableBorder.Rounded).Title("Sync").AddColumn("").AddColumn(new TableColumn("").RightAligned());
        if (s.Partition is { } p)
        {
            sync.AddRow($"Partition: {p.EdgeId} cut off from central", p.HealedAtSeconds is { } healed ? $"{p.CutAtSeconds:0.0} s to {healed:0.0} s into the rush" : $"from {p.CutAtSeconds:0.0} s, never healed");
            sync.AddRow("  connections cut / refused while cut off", $"{p.ConnectionsCut:N0} / {p.RefusedWhilePartitioned:N0}");
            sync.AddRow($"  entries {p.EdgeId} buffered during the partition", $"{p.EntriesBuffered:N0}");
            sync.AddRow("  catch-up after the heal: journal up / others' passages down",
                p.CatchUpSeconds is not null ? $"{p.UploadCatchUpSeconds:0.00} s / {p.FeedCatchUpSeconds:0.00} s" : "not caught up");
        }
        else
        {
            sync.AddRow("Partition", "none (--no-partition)");
        }

        sync.AddRow("Sync lag, journaled to held at central (link up), p50 / p99 / max", $"{s.LagMs.P50:N0} / {s.LagMs.P99:N0} / {s.LagMs.Max:N0} ms");
        sync.AddRow("Entries at central / late (arrived > " + $"{s.LateAfter.TotalSeconds:0.#} s after)", $"{s.CentralEntries:N0} / {s.LateEntries:N0}");
        sync.AddRow("Conflicts found / badges admitted at two edges while cut off", $"{s.Conflicts:N0} / {s.PlannedConflicts:N0}");
        sync.AddRow("Badges shown at another edge / refused there", $"{s.OtherEdgeScans:N0} / {s.OtherEdgeRefused:N0}");
        sync.AddRow("Inside / admitted at least once (central)", $"{s.CentralInside:N0} / {s.CentralAdmitted:N0}");
        sync.AddRow("Registration at central / drain after the rush", $"{s.RegistrationMs:N0} ms / {s.DrainSeconds:0.00} s");
        console.Write(sync);
    }

    private static void RenderCrowd(IAnsiConsole console, Simulation.Crowd.CrowdFigures c)
    {
        var reads = new Table().Border(TableBorder.Rounded).Title($"The floor after the rush: RFID readers ({c.Transport})").AddColumn("").AddColumn(new TableColumn("").RightAligned());
        reads.AddRow("Passes through portals (one antenna only / both at once)", $"{c.Noise.Passes:N0} ({c.Noise.OneAntenna:N0} / {c.Noise.AtOnce:N0})");
        reads.AddRow("Reads emitted / journaled", $"{c.ReadsEmitted:N0} / {c.ReadsJournaled:N0}");
        reads.AddRow("Reads delivered twice / dropped as duplicates", $"{c.ReadsRedelivered:N0} / {c.DuplicatesDropped:N0}");
        reads.AddRow("Reads per second handed to the edges (readers' time, paced by the plan)", $"{c.ReadsPerSecond:N0} over {c.EmissionSeconds:0.0} s");
        reads.AddRow("Movements through portals", $"{c.Movements:N0}");
        reads.AddRow("Read to zone occupancy, p50 / p99 / max", $"{c.ReadToOccupancyMs.P50:0.0} / {c.ReadToOccupancyMs.P99:0.0} / {c.ReadToOccupancyMs.Max:0.0} ms");
        reads.AddRow("Zone alerts raised / cleared (rush and floor)", $"{c.AlertsRaised:N0} / {c.AlertsCleared:N0}");
        reads.AddRow("Leads captured / quiz points awarded", $"{c.Leads:N0} / {c.ChallengesAwarded:N0}");
        console.Write(reads);

        var zones = new Table().Border(TableBorder.Rounded).Title("Zones at the end of the day")
            .AddColumn("zone").AddColumn(new TableColumn("capacity").RightAligned()).AddColumn(new TableColumn("now").RightAligned())
            .AddColumn(new TableColumn("expected").RightAligned()).AddColumn(new TableColumn("peak").RightAligned()).AddColumn("level")
            .AddColumn(new TableColumn("alerts").RightAligned()).AddColumn(new TableColumn("median stay").RightAligned());
        foreach (var z in c.Zones)
        {
            zones.AddRow(Markup.Escape(z.ZoneId), $"{z.Capacity:N0}", $"{z.Occupancy:N0}", $"{z.Expected:N0}", $"{z.Peak:N0}", z.Level, $"{z.AlertsRaised}",
                z.DwellP50Minutes is { } m ? $"{m:0} min" : "");
        }

        console.Write(zones);
        var top = new Table().Border(TableBorder.Rounded).Title("Top booths and attendees").AddColumn("booth").AddColumn(new TableColumn("leads").RightAligned())
            .AddColumn(new TableColumn("visits").RightAligned()).AddColumn("attendee").AddColumn(new TableColumn("points").RightAligned());
        for (var i = 0; i < Math.Max(c.TopBooths.Count, c.TopAttendees.Count); i++)
        {
            var b = i < c.TopBooths.Count ? c.TopBooths[i] : null;
            var a = i < c.TopAttendees.Count ? c.TopAttendees[i] : null;
            top.AddRow(b?.BoothId ?? "", b is null ? "" : $"{b.Leads:N0}", b is null ? "" : $"{b.Visits:N0}", a?.Id ?? "", a is null ? "" : $"{a.Score:N0}");
        }

        console.Write(top);
    }

    /// <summary>Progress that reports on the caller's thread (Progress&lt;T&gt; would post to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress(Action<SimulationProgress> report) : IProgress<SimulationProgress>
    {
        private readonly object _gate = new();

        public void Report(SimulationProgress value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }

    /// <summary>p50, p95, p99 and max; dashes when no answer carried a time (never zeros that look measured).</summary>
    private static string[] LatencyCells(LatencySummary s) => s.Count == 0
        ? ["-", "-", "-", "-"]
        : [$"{s.P50:0.000}", $"{s.P95:0.000}", $"{s.P99:0.000}", $"{s.Max:0.000}"];
}
