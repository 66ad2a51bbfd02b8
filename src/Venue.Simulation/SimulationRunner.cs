using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Venue.Domain.Devices;
using Venue.Domain.Tickets;
using Venue.Storage.Sqlite;

namespace Venue.Simulation;

/// <summary>
/// Runs a whole simulated morning: generates the event, starts an edge silo behind Kestrel on
/// loopback, drives it with one scanner client per gate over real HTTP on the planned schedule, then
/// reads the journal back and judges the run.
/// </summary>
public static class SimulationRunner
{
    private const int MaxInFlight = 512;

    public static async Task<SimulationReport> RunAsync(SimulationOptions options, IProgress<SimulationProgress>? progress, CancellationToken cancellationToken)
    {
        options.Validate();
        var temporary = options.DataDirectory is null;
        var dataDirectory = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), $"venue-simulate-{Guid.NewGuid():N}");
        if (!temporary && Directory.Exists(Path.Combine(dataDirectory, "edge")) && Directory.EnumerateFileSystemEntries(Path.Combine(dataDirectory, "edge")).Any())
        {
            throw new InvalidOperationException($"{dataDirectory}/edge already holds an edge's data; give an empty or new --data-dir.");
        }

        try
        {
            return await RunInAsync(options, dataDirectory, progress, cancellationToken);
        }
        finally
        {
            if (temporary)
            {
                try
                {
                    Directory.Delete(dataDirectory, recursive: true);
                }
                catch (IOException)
                {
                    // A leftover temp directory is not worth failing a finished run for.
                }
            }
        }
    }

    private static async Task<SimulationReport> RunInAsync(SimulationOptions options, string dataDirectory, IProgress<SimulationProgress>? progress, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        void Say(string phase, int planned = 0) => progress?.Report(new SimulationProgress(phase, planned, 0, 0, 0, 0, clock.Elapsed, 0));

        Say($"Generating {options.Attendees:N0} attendees with signed badges");
        using var key = TicketSigningKey.Create("k1");
        var spec = new EventSpec("demo", options.Attendees, options.Gates, options.Seed, DateTimeOffset.UtcNow.AddHours(-2));
        var generated = EventGenerator.Generate(spec, key);
        var ledgerPath = Path.Combine(dataDirectory, "ledger.jsonl");
        await EventGenerator.WriteLedgerAsync(generated, ledgerPath, cancellationToken);
        var plan = ScanPlanner.Plan(generated, options.Rush, options.Seed);

        Say("Registering one scanner per gate", plan.Count);
        var edgeDirectory = Path.Combine(dataDirectory, "edge");
        var devices = new SqliteDeviceCredentialStore(Path.Combine(edgeDirectory, "devices.db"), TimeProvider.System);
        var scannerTokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var gate in generated.Gates)
        {
            scannerTokens[gate.Id] = (await devices.CreateAsync($"scanner {gate.Id}", DeviceRole.Scanner, cancellationToken)).Token;
        }

        Say("Starting the edge silo", plan.Count);
        var outcomes = new ConcurrentQueue<ScanOutcome>();
        EdgeStartupFigures startup;
        long journalCommits;
        TimeSpan driveElapsed;
        await using (var edge = await EdgeWebHost.StartAsync("sim-edge", edgeDirectory, ledgerPath, generated.Gates, scansPerSecondPerDevice: 100_000, cancellationToken))
        {
            var s = edge.Silo.Startup;
            startup = new EdgeStartupFigures(s.Attendees, s.LedgerLoad.TotalMilliseconds, s.Total.TotalMilliseconds);
            driveElapsed = await DriveAsync(edge.Address, plan, scannerTokens, outcomes, progress, clock, cancellationToken);
            journalCommits = edge.Silo.Journal.Commits;
        }

        Say("Reading the journal back", plan.Count);
        var journal = SqliteCheckInJournal.ReadAll(Path.Combine(edgeDirectory, "journal.db")).ToList();
        return Judge(options, plan, [.. outcomes], journal, driveElapsed, startup, journalCommits);
    }

    private static async Task<TimeSpan> DriveAsync(Uri address, IReadOnlyList<PlannedScan> plan, IReadOnlyDictionary<string, string> scannerTokens,
        ConcurrentQueue<ScanOutcome> outcomes, IProgress<SimulationProgress>? progress, Stopwatch clock, CancellationToken cancellationToken)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = MaxInFlight, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) };
        using var http = new HttpClient(handler) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
        using var inFlight = new SemaphoreSlim(MaxInFlight);
        var tasks = new List<Task>(plan.Count + 64);
        var start = Stopwatch.StartNew();
        int sent = 0, admitted = 0, refused = 0, badRequests = 0;
        var recentRoundTrips = new ConcurrentQueue<double>();

        async Task SendOne(PlannedScan scan)
        {
            try
            {
                var outcome = await SendAsync(http, scan, scannerTokens[scan.GateId], start, cancellationToken);
                outcomes.Enqueue(outcome);
                recentRoundTrips.Enqueue(outcome.RoundTripMs);
                if (outcome.Result == "admitted")
                {
                    Interlocked.Increment(ref admitted);
                }
                else if (outcome.Result == "refused")
                {
                    Interlocked.Increment(ref refused);
                }
                else if (outcome.Status == 400)
                {
                    Interlocked.Increment(ref badRequests);
                }
            }
            finally
            {
                inFlight.Release();
            }
        }

        using var reporter = new Timer(_ =>
        {
            var window = recentRoundTrips.ToArray();
            while (recentRoundTrips.Count > 5000 && recentRoundTrips.TryDequeue(out double _))
            {
            }

            progress?.Report(new SimulationProgress("Morning rush", plan.Count, Volatile.Read(ref sent), Volatile.Read(ref admitted),
                Volatile.Read(ref refused), Volatile.Read(ref badRequests), clock.Elapsed, LatencySummary.Of(window).P99));
        }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));

        foreach (var scan in plan)
        {
            var wait = scan.At - start.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, cancellationToken);
            }

            var batch = scan.Twin is { } twin ? new[] { scan, twin } : [scan];
            foreach (var one in batch)
            {
                await inFlight.WaitAsync(cancellationToken);
                Interlocked.Increment(ref sent);
                tasks.Add(SendOne(one));
            }
        }

        await Task.WhenAll(tasks);
        var elapsed = start.Elapsed;
        progress?.Report(new SimulationProgress("Rush over", plan.Count, sent, admitted, refused, badRequests, clock.Elapsed, LatencySummary.Of(recentRoundTrips).P99));
        return elapsed;
    }

    private static async Task<ScanOutcome> SendAsync(HttpClient http, PlannedScan scan, string scannerToken, Stopwatch start, CancellationToken cancellationToken)
    {
        var body = scan.Kind == ScanKind.BadRequest
            ? "{\"token\": \"VN1.AAAA\", \"direction\": \"sideways\", " // broken on purpose: bad direction and cut off
            : JsonSerializer.Serialize(new { token = scan.Token, direction = scan.Direction == Domain.CheckIn.ScanDirection.Entry ? "entry" : "exit", nonce = scan.Nonce, scannedAt = DateTimeOffset.UtcNow });
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/gates/{scan.GateId}/scans")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", scannerToken);
        var sentAt = Stopwatch.GetTimestamp();
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var roundTrip = Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds;
            double? server = null;
            if (response.Headers.TryGetValues("Server-Timing", out var timing))
            {
                var value = timing.First();
                var at = value.IndexOf("dur=", StringComparison.Ordinal);
                if (at >= 0 && double.TryParse(value.AsSpan(at + 4), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
                {
                    server = ms;
                }
            }

            string? result = null, reason = null;
            if (response.IsSuccessStatusCode)
            {
                using var json = JsonDocument.Parse(text);
                result = json.RootElement.GetProperty("result").GetString();
                reason = json.RootElement.GetProperty("reason").GetString();
            }

            return new ScanOutcome(scan, (int)response.StatusCode, result, reason, roundTrip, server, start.Elapsed, response.IsSuccessStatusCode ? null : text);
        }
        catch (HttpRequestException e)
        {
            return new ScanOutcome(scan, 0, null, null, Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds, null, start.Elapsed, e.Message);
        }
    }

    private static SimulationReport Judge(SimulationOptions options, IReadOnlyList<PlannedScan> plan, IReadOnlyList<ScanOutcome> outcomes,
        IReadOnlyList<Domain.Journal.JournalEntry> journal, TimeSpan elapsed, EdgeStartupFigures startup, long journalCommits)
    {
        var checks = new List<VerdictCheck>();
        var answered = outcomes.Where(o => o.Status == 200).ToList();

        // 1. Nobody admitted twice: per attendee, journaled passages alternate admitted, exited, admitted...
        var doubleAdmissions = journal.Where(e => e.Passed && e.AttendeeId is not null)
            .GroupBy(e => e.AttendeeId!)
            .Where(g => g.OrderBy(e => e.Sequence).Select((e, i) => (e, i)).Any(x => x.e.Reason != (x.i % 2 == 0 ? Domain.CheckIn.ScanReason.Admitted : Domain.CheckIn.ScanReason.Exited)))
            .Select(g => g.Key).ToList();
        checks.Add(new VerdictCheck("Nobody admitted twice", doubleAdmissions.Count == 0,
            doubleAdmissions.Count == 0 ? "every attendee's passages alternate entry, exit, entry" : $"{doubleAdmissions.Count} attendees, e.g. {string.Join(", ", doubleAdmissions.Take(5))}"));

        // 2. Every admission answered to a scanner is in the journal, and the journal admits no one else.
        var journalByScan = journal.GroupBy(e => (e.GateId, e.Nonce)).ToDictionary(g => g.Key, g => g.ToList());
        var admittedAnswers = answered.Where(o => o.Reason == "admitted").Select(o => (o.Scan.GateId, o.Scan.Nonce)).Distinct().ToList();
        var missing = admittedAnswers.Count(k => !journalByScan.TryGetValue(k, out var es) || es.All(e => e.Reason != Domain.CheckIn.ScanReason.Admitted));
        var journalAdmissions = journal.Count(e => e.Reason == Domain.CheckIn.ScanReason.Admitted);
        checks.Add(new VerdictCheck("Every admission journaled", missing == 0 && journalAdmissions == admittedAnswers.Count,
            $"{admittedAnswers.Count:N0} admitted answers, {journalAdmissions:N0} admissions in the journal, {missing} missing"));

        // 3. Each scan journaled exactly once, retries included; broken requests not at all.
        var distinctScans = answered.Select(o => (o.Scan.GateId, o.Scan.Nonce)).Distinct().Count();
        var duplicatedEntries = journalByScan.Count(kv => kv.Value.Count > 1);
        checks.Add(new VerdictCheck("Every scan journaled exactly once", journal.Count == distinctScans && duplicatedEntries == 0,
            $"{distinctScans:N0} distinct scans answered, {journal.Count:N0} journal entries, {duplicatedEntries} scans journaled twice"));

        // 4. The same badge at two gates at the same instant: exactly one admitted.
        var pairs = answered.Where(o => o.Scan.Kind == ScanKind.Simultaneous).GroupBy(o => o.Scan.AttendeeId).ToList();
        var badPairs = pairs.Count(g => g.Count(o => o.Reason == "admitted") != 1 || g.Count() != 2);
        checks.Add(new VerdictCheck("Simultaneous scans of one badge: exactly one admitted", badPairs == 0,
            $"{pairs.Count} pairs, {badPairs} wrong"));

        // 5. A retried nonce gets the first answer.
        var firstAnswer = answered.Where(o => o.Scan.Kind == ScanKind.Arrival).ToDictionary(o => (o.Scan.GateId, o.Scan.Nonce), o => o.Reason);
        var retries = answered.Where(o => o.Scan.Kind == ScanKind.Retry).ToList();
        var changed = retries.Count(o => firstAnswer.TryGetValue((o.Scan.GateId, o.Scan.Nonce), out var first) && first != o.Reason);
        checks.Add(new VerdictCheck("Retried scans answered as the first time", changed == 0, $"{retries.Count} retries, {changed} answered differently"));

        // 6. Outcomes that do not depend on timing came out as planned.
        var wrong = outcomes.Where(o => o.Scan.Expected is { } expected && o.Reason != Domain.CheckIn.ScanReasons.Code(expected)).ToList();
        checks.Add(new VerdictCheck("Refusals and passages as expected", wrong.Count == 0,
            wrong.Count == 0 ? $"{outcomes.Count(o => o.Scan.Expected is not null):N0} scans with a certain outcome all right"
                : $"{wrong.Count} wrong, e.g. {string.Join("; ", wrong.Take(3).Select(o => $"{o.Scan.Kind} at {o.Scan.GateId}: expected {o.Scan.Expected}, got {o.Reason ?? o.Status.ToString(CultureInfo.InvariantCulture)}"))}"));

        // 7. Entry scans of attendees who never left: exactly one admission each.
        var leaving = plan.Where(p => p.Kind == ScanKind.Exit).Select(p => p.AttendeeId).ToHashSet();
        var entrants = answered.Where(o => o.Scan.Kind is ScanKind.Arrival or ScanKind.Duplicate && !leaving.Contains(o.Scan.AttendeeId))
            .GroupBy(o => o.Scan.AttendeeId).ToList();
        var notOnce = entrants.Count(g => g.Where(o => o.Reason == "admitted").Select(o => o.Scan.Nonce).Distinct().Count() != 1);
        checks.Add(new VerdictCheck("Each arriving attendee admitted exactly once", notOnce == 0, $"{entrants.Count:N0} attendees, {notOnce} not admitted exactly once"));

        // 8. Broken requests get 400 and nothing else fails.
        var badRequests = outcomes.Where(o => o.Scan.Kind == ScanKind.BadRequest).ToList();
        var failures = outcomes.Where(o => o.Scan.Kind != ScanKind.BadRequest && o.Status != 200).ToList();
        checks.Add(new VerdictCheck("Broken requests rejected with 400, no other failures",
            badRequests.All(o => o.Status == 400) && failures.Count == 0,
            $"{badRequests.Count(o => o.Status == 400)}/{badRequests.Count} broken requests got 400; {failures.Count} other failures{(failures.Count > 0 ? $", e.g. {failures[0].Status} {failures[0].Failure}" : "")}"));

        // Counted per scan: a retried nonce is one scan, answered twice.
        var refusedByReason = answered.Where(o => o.Result == "refused").DistinctBy(o => (o.Scan.GateId, o.Scan.Nonce))
            .GroupBy(o => o.Reason!).OrderByDescending(g => g.Count())
            .ToDictionary(g => g.Key, g => g.Count());
        var peak = answered.GroupBy(o => (int)o.CompletedAt.TotalSeconds).Select(g => g.Count()).DefaultIfEmpty(0).Max();
        return new SimulationReport(
            options.Attendees,
            options.Gates,
            outcomes.Count,
            admittedAnswers.Count,
            answered.Where(o => o.Reason == "exited").Select(o => (o.Scan.GateId, o.Scan.Nonce)).Distinct().Count(),
            refusedByReason,
            answered.Where(o => o.Reason == "already_inside").Select(o => (o.Scan.GateId, o.Scan.Nonce)).Distinct().Count(),
            badRequests.Count(o => o.Status == 400),
            elapsed,
            answered.Count / Math.Max(elapsed.TotalSeconds, 0.001),
            peak,
            LatencySummary.Of(answered.Where(o => o.ServerMs is not null).Select(o => o.ServerMs!.Value)),
            LatencySummary.Of(answered.Select(o => o.RoundTripMs)),
            journal.Count,
            journalCommits,
            startup,
            checks);
    }
}
