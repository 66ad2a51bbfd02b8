using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Venue.Domain.Central;
using Venue.Domain.Journal;
using Venue.Domain.Tickets;
using Venue.Edge.ScannerApi;
using Venue.Storage.Sqlite;

namespace Venue.Simulation;

/// <summary>
/// Runs a whole simulated morning: generates the event, starts central and the edges in this
/// process (each behind Kestrel on loopback, each edge reaching central through a fault-injecting
/// proxy), drives the edges with one scanner client per gate over real HTTP on the planned
/// schedule while cutting one edge off and healing it, waits until central holds every edge's
/// journal, then reads everything back and judges the run.
/// </summary>
public static class SimulationRunner
{
    private const int MaxInFlight = 512;

    /// <summary>Central marks an entry late when it arrives this long after it was journaled: in a rush compressed to seconds, 2 s is long.</summary>
    public static readonly TimeSpan LateAfter = TimeSpan.FromSeconds(2);

    /// <summary>After the heal, the cut-off edge has this long to catch up before it must agree with the others again.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(3);

    /// <summary>Longest wait, after the last scan, for central to hold every edge's journal.</summary>
    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Longest wait, with --rabbitmq, for every edge to consume its reads queue before the rush.</summary>
    private static readonly TimeSpan ReadsQueueTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs the simulation. <paramref name="started"/> is told the venue once central and the edges
    /// are up (a dashboard watches their silos); it stops being valid when the run reports
    /// "Stopping the edges and central".
    /// </summary>
    public static async Task<SimulationReport> RunAsync(SimulationOptions options, IProgress<SimulationProgress>? progress, CancellationToken cancellationToken,
        Action<SimulatedVenue>? started = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var temporary = options.DataDirectory is null;
        var dataDirectory = options.DataDirectory ?? Path.Combine(Path.GetTempPath(), $"venue-simulate-{Guid.NewGuid():N}");
        foreach (var held in new[] { "central", "edges" }.Select(d => Path.Combine(dataDirectory, d)))
        {
            if (!temporary && Directory.Exists(held) && Directory.EnumerateFileSystemEntries(held).Any())
            {
                throw new InvalidOperationException($"{held} already holds a previous run's data; give an empty or new --data-dir.");
            }
        }

        try
        {
            return await RunInAsync(options, dataDirectory, progress, started, cancellationToken);
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

    private static async Task<SimulationReport> RunInAsync(SimulationOptions options, string dataDirectory, IProgress<SimulationProgress>? progress,
        Action<SimulatedVenue>? started, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        void Say(string phase, int planned = 0) => progress?.Report(new SimulationProgress(phase, planned, 0, 0, 0, 0, clock.Elapsed, 0));

        // Before anything else: a broker the readers cannot reach must not be found after the whole rush.
        await using var readersLink = options.Crowd ? await ConnectReadersAsync(options, cancellationToken) : null;
        Say($"Generating {options.Attendees:N0} attendees with signed badges");
        using var key = TicketSigningKey.Create("k1");
        var spec = new EventSpec(SimulatedVenue.EventId, options.Attendees, options.Gates, options.Seed, DateTimeOffset.UtcNow.AddHours(-2));
        var generated = EventGenerator.Generate(spec, key, cancellationToken: cancellationToken);
        // Written for whoever keeps --data-dir and wants to look; the edges take central's copy, not this one.
        await EventGenerator.WriteLedgerAsync(generated, Path.Combine(dataDirectory, "ledger.jsonl"), cancellationToken);
        var partition = options.Partition ? new PartitionWindow("north", options.Rush * options.PartitionFrom, options.Rush * options.PartitionTo, Settle) : null;
        var layout = EdgeTopology.Split(generated.Gates, options.Edges, partition);
        var plan = ScanPlanner.Plan(generated, layout, options.Rush, options.Seed);
        // The crowd's day on the floor starts (in event time) a minute after the rush ends; its
        // session times are in the layouts the edges start with.
        var floorStart = DateTimeOffset.UtcNow + options.Rush + TimeSpan.FromMinutes(1);
        var floor = options.Crowd
            ? new FloorSetup(edge => Crowd.CrowdLayout.For(edge, (int)(options.Attendees * 0.9 / options.Edges), floorStart + Crowd.CrowdPlanner.SessionOffset), options.RabbitMq)
            : null;

        var outcomes = new ConcurrentQueue<ScanOutcome>();
        await using var venue = await SimulatedVenue.StartAsync(generated, key, layout, dataDirectory, LateAfter, s => Say(s, plan.Count), cancellationToken, floor);
        var startup = venue.Edges.Select(e => e.Host.Silo.Startup).MaxBy(s => s.Total)!;
        if (readersLink is not null)
        {
            Say("Waiting for every edge to consume its reads queue at the broker", plan.Count);
            await WaitForReadsQueuesAsync(venue, cancellationToken);
        }

        // Watching from before the rush: the gates fill the lobbies, so the day's first alerts are the rush's.
        using var alerts = floor is null ? null : new Crowd.ZoneAlertLog(venue.Edges.Select(e => (e.EdgeId, e.Host.Silo.Streams)));
        started?.Invoke(venue);

        var injector = partition is null ? null : new PartitionInjector(venue, partition);
        using var stopInjector = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        // One clock for the scans' schedule and the partition's, started as the rush starts.
        var rushClock = Stopwatch.StartNew();
        var injecting = injector is null ? Task.CompletedTask : Task.Run(() => injector.RunAsync(rushClock, stopInjector.Token), CancellationToken.None);
        TimeSpan driveElapsed;
        try
        {
            driveElapsed = await DriveAsync(venue, plan, outcomes, progress, clock, rushClock, injector, cancellationToken);
        }
        catch
        {
            // The injector must not go on cutting and healing a venue that is being torn down.
            await stopInjector.CancelAsync();
            await injecting.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }

        Say("Waiting for central to hold every edge's journal", plan.Count);
        var drain = await DrainAsync(venue, cancellationToken);
        // By now the heal is long past; whatever the cut-off edge has not caught up on, it never will in this run.
        stopInjector.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            await injecting;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        Crowd.CrowdFigures? crowd = null;
        if (floor is not null)
        {
            Say("Planning the crowd's day on the floor", plan.Count);
            crowd = await RunCrowdAsync(venue, generated, options, floorStart, readersLink, alerts!, progress, clock, cancellationToken);
        }

        Say("Reading central's books and the edges' journals back", plan.Count);
        var central = venue.Central.Silo;
        var stats = await central.GetStatsAsync(cancellationToken);
        var conflicts = await ReadConflictsAsync(central.Store, cancellationToken);
        var checkIns = new List<StoredCheckIn>();
        await foreach (var c in central.Store.StreamCheckInsAsync(0, passagesOnly: false, cancellationToken))
        {
            checkIns.Add(c);
        }

        var journals = venue.Edges.ToDictionary(e => e.EdgeId, e => (IReadOnlyList<JournalEntry>)[.. SqliteCheckInJournal.ReadAll(e.JournalPath)], StringComparer.Ordinal);
        var edges = new List<EdgeSyncFigures>();
        foreach (var e in venue.Edges)
        {
            var silo = e.Host.Silo;
            edges.Add(new EdgeSyncFigures(e.EdgeId, e.Gates.Count, journals[e.EdgeId].Count, silo.Journal.Commits,
                await central.Store.GetContiguousSequenceAsync(e.EdgeId, cancellationToken), silo.SyncStatus?.RemotePassagesApplied ?? 0,
                silo.Startup.LedgerSource, silo.Startup.Total.TotalMilliseconds));
        }

        PartitionFigures? partitionFigures = null;
        if (injector is { CutAt: { } cutAt })
        {
            var proxy = venue.Edge(injector.Window.Edge).Proxy.Counters;
            partitionFigures = new PartitionFigures(injector.Window.Edge, cutAt.TotalSeconds, injector.HealedAt?.TotalSeconds,
                injector.ConnectionsCut, proxy.RefusedWhilePartitioned, Math.Max(0, injector.LastAtHeal - injector.HeldAtHeal), injector.CatchUp?.TotalSeconds,
                injector.UploadCatchUp?.TotalSeconds, injector.FeedCatchUp?.TotalSeconds);
        }

        var facts = new SimulationFacts(options, layout, plan, [.. outcomes], journals, checkIns, stats, conflicts, driveElapsed,
            new EdgeStartupFigures(startup.Attendees, startup.LedgerLoad.TotalMilliseconds, startup.Total.TotalMilliseconds),
            edges, partitionFigures, injector,
            venue.Registration, drain);
        Say("Stopping the edges and central", plan.Count);
        await venue.DisposeAsync();
        Say("Judging the run", plan.Count);
        var report = SimulationVerdict.Judge(facts);
        return crowd is null ? report : report with { Crowd = crowd, Checks = [.. report.Checks, .. crowd.Checks] };
    }

    /// <summary>
    /// The crowd phase: who is inside at each edge (its journal's last local passage of them is an
    /// admission) wanders that edge's floor along a planned day, reported by simulated readers. The
    /// day starts at <paramref name="plannedStart"/>, or later if the rush ran late (see <see cref="Crowd.CrowdPlanner.FloorStart"/>).
    /// </summary>
    private static async Task<Crowd.CrowdFigures> RunCrowdAsync(SimulatedVenue venue, GeneratedEvent generated, SimulationOptions options, DateTimeOffset plannedStart,
        Crowd.MqttTransport? broker, Crowd.ZoneAlertLog alerts, IProgress<SimulationProgress>? progress, Stopwatch clock, CancellationToken cancellationToken)
    {
        var tokens = generated.Badges.ToDictionary(b => b.AttendeeId, b => b.Token, StringComparer.Ordinal);
        var journals = venue.Edges.ToDictionary(e => e.EdgeId, e => SqliteCheckInJournal.ReadAll(e.JournalPath).ToList(), StringComparer.Ordinal);
        // Every edge's passages: another edge's can reach this one's location grains too.
        var lastPassage = journals.Values.SelectMany(j => j).Where(e => e.Passed).Select(e => (DateTimeOffset?)e.At).Max();
        var keynote = venue.Edges.Select(e => e.Host.Silo.Telemetry?.Layout.Sessions.FirstOrDefault()?.StartsAt).Min() ?? plannedStart + Crowd.CrowdPlanner.SessionOffset;
        var floorStart = Crowd.CrowdPlanner.FloorStart(plannedStart, lastPassage, keynote)
            ?? throw new InvalidOperationException(
                $"The rush ran too late for the crowd's day: its last gate passage ({lastPassage:HH:mm:ss} UTC) leaves no time before the keynote the edges' layouts fixed at start " +
                $"({keynote:HH:mm:ss} UTC); run a shorter --duration, fewer --attendees, or --no-crowd.");
        if (floorStart > plannedStart)
        {
            // Usual, not a fault: the plan was fixed before central and the edges started (their layouts
            // carry the session times), and the rush's follow-up scans run seconds past its end.
            progress?.Report(new SimulationProgress($"The floor opens {(floorStart - plannedStart).TotalSeconds:0} s after the time fixed before start-up, once the rush's last gate passage is past", 0, 0, 0, 0, 0, clock.Elapsed, 0));
        }

        var edges = new List<Crowd.CrowdEdge>();
        foreach (var edge in venue.Edges)
        {
            var inside = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in journals[edge.EdgeId].Where(e => e.Passed && e.AttendeeId is not null))
            {
                if (entry.Reason == Domain.CheckIn.ScanReason.Admitted)
                {
                    inside[entry.AttendeeId!] = tokens[entry.AttendeeId!];
                }
                else
                {
                    inside.Remove(entry.AttendeeId!);
                }
            }

            var silo = edge.Host.Silo;
            var telemetry = silo.Telemetry ?? throw new InvalidOperationException($"Edge {edge.EdgeId} started without its venue layout.");
            var crowdPlan = Crowd.CrowdPlanner.Plan(edge.EdgeId, inside, floorStart, keynote, options.Seed);
            var reads = Crowd.ReaderEmulator.Emit(crowdPlan, telemetry.Layout, options.Seed, out var noise);
            // The broker's readers were connected before the rush and are disposed by the caller; in process there is nothing to dispose.
            Crowd.IReadTransport transport = broker is not null ? broker : new Crowd.InProcessTransport(telemetry);
            edges.Add(new Crowd.CrowdEdge(edge.EdgeId, edge.Host.Address, edge.DeskToken, edge.BoothTokens, telemetry, silo.Grains, silo.Streams, telemetry.Layout,
                crowdPlan, reads, noise, transport, 0));
        }

        var figures = await Crowd.CrowdRunner.RunAsync(edges, options.Wander, options.Seed, alerts,
            (phase, sent, total) => progress?.Report(new SimulationProgress(phase, 0, 0, 0, 0, 0, clock.Elapsed, 0, $"{sent:N0}/{total:N0} reads")),
            cancellationToken);
        progress?.Report(new SimulationProgress("Waiting for central to see every edge's floor", 0, 0, 0, 0, 0, clock.Elapsed, 0));
        return figures with { Checks = [.. figures.Checks, await CentralSeesTheFloorAsync(venue, figures, cancellationToken)] };
    }

    /// <summary>
    /// With --rabbitmq, connects every simulated reader to the broker's MQTT listener before anything
    /// else is done, so a wrong address, port or user is one line at once, not an error after the whole rush.
    /// </summary>
    private static async Task<Crowd.MqttTransport?> ConnectReadersAsync(SimulationOptions options, CancellationToken cancellationToken)
    {
        if (options.RabbitMq is not { } broker)
        {
            return null;
        }

        var colon = broker.UserInfo.IndexOf(':', StringComparison.Ordinal);
        var user = Uri.UnescapeDataString(colon < 0 ? broker.UserInfo : broker.UserInfo[..colon]);
        var password = colon < 0 ? null : Uri.UnescapeDataString(broker.UserInfo[(colon + 1)..]);
        // Every simulated reader publishes as the --rabbitmq user: a broker set up for a run, not one with a login per reader (docs/reader-payloads.md).
        var login = new Crowd.MqttLogin(user.Length == 0 ? null : user, password);
        var transport = new Crowd.MqttTransport(broker.Host, options.MqttPort, _ => login);
        // The floor's layout names the same readers whatever its size and times.
        var readers = EdgeTopology.NamesOf(options.Edges)
            .SelectMany(e => Crowd.CrowdLayout.For(e, 0, DateTimeOffset.UnixEpoch).Portals.Select(p => p.ReaderId))
            .Distinct(StringComparer.Ordinal);
        try
        {
            await transport.ConnectAsync(readers, cancellationToken);
            return transport;
        }
        catch (Exception e) when (e is Messaging.Mqtt.MqttException or ArgumentException)
        {
            await transport.DisposeAsync();
            throw new IOException($"--rabbitmq: the simulated readers cannot publish to {broker.Host}:{options.MqttPort} (--mqtt-port): {e.Message}", e);
        }
    }

    /// <summary>
    /// With --rabbitmq, waits until every edge consumes its reads queue (declared and bound by then, so
    /// no read is dropped for want of a binding); an edge whose first connection fails ends the run
    /// before the rush, with the broker's answer.
    /// </summary>
    private static async Task WaitForReadsQueuesAsync(SimulatedVenue venue, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        foreach (var edge in venue.Edges)
        {
            var readers = edge.Host.Services.GetRequiredService<Venue.Edge.Telemetry.ReaderQueueService>();
            while (true)
            {
                var stats = readers.Stats;
                if (stats is { Connected: true })
                {
                    break;
                }

                if (stats?.LastError is { } error || clock.Elapsed > ReadsQueueTimeout)
                {
                    throw new IOException($"--rabbitmq: edge {edge.EdgeId} cannot consume its reads queue over AMQP: {stats?.LastError ?? $"not connected after {ReadsQueueTimeout.TotalSeconds:0} s"}");
                }

                await Task.Delay(50, cancellationToken);
            }
        }
    }

    /// <summary>
    /// Edges report their zones with their status (every second here): waits, up to
    /// <see cref="DrainTimeout"/>, until central's view of every zone equals the edge's own.
    /// </summary>
    private static async Task<VerdictCheck> CentralSeesTheFloorAsync(SimulatedVenue venue, Crowd.CrowdFigures figures, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var wanted = figures.Zones.ToDictionary(z => (z.Edge, z.ZoneId), z => z.Occupancy);
        var differ = wanted.Count;
        while (clock.Elapsed < DrainTimeout)
        {
            var floors = venue.Central.Silo.Floors;
            differ = wanted.Count(kv => !floors.TryGetValue(kv.Key.Edge, out var floor)
                || floor.Zones.FirstOrDefault(z => z.Zone == kv.Key.ZoneId) is not { } zone || zone.Occupancy != kv.Value);
            if (differ == 0)
            {
                break;
            }

            await Task.Delay(100, cancellationToken);
        }

        return new VerdictCheck("Central sees every edge's zones as the edge does", differ == 0,
            differ == 0 ? $"{wanted.Count} zones of {venue.Edges.Count} edge(s) reported to central with their status, {clock.Elapsed.TotalSeconds:0.0} s after the floor settled"
                : $"{differ} of {wanted.Count} zones still differ at central after {DrainTimeout.TotalSeconds:0} s");
    }

    /// <summary>
    /// Waits until every edge's uplink reports central holding its whole journal without a gap (an
    /// edge gets that receipt only after central has stored and reconciled the entries), then asks
    /// central's store the same. Gives up after <see cref="DrainTimeout"/> and lets the verdict say what is missing.
    /// </summary>
    private static async Task<TimeSpan> DrainAsync(SimulatedVenue venue, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DrainTimeout);
        try
        {
            foreach (var edge in venue.Edges)
            {
                var last = edge.Host.Silo.Journal.LastSequence;
                var sync = edge.Host.Silo.Sync ?? throw new InvalidOperationException($"Edge {edge.EdgeId} is not syncing with central.");
                await sync.WaitForAsync(s => s.UploadedSequence >= last, timeout.Token);
                while (await venue.Central.Silo.Store.GetContiguousSequenceAsync(edge.EdgeId, timeout.Token) < last)
                {
                    // The edge has central's receipt, so the store has committed: this is only a second opinion.
                    await venue.Central.Silo.Feed.WaitAsync(long.MaxValue, venue.Central.Silo.Feed.FeedId, TimeSpan.FromMilliseconds(100), TimeProvider.System, timeout.Token);
                }
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }

        return clock.Elapsed;
    }

    private static async Task<IReadOnlyList<Conflict>> ReadConflictsAsync(ICentralStore store, CancellationToken cancellationToken)
    {
        var all = new List<Conflict>();
        while (true)
        {
            var page = await store.ListConflictsAsync(all.Count == 0 ? 0 : all[^1].Id, 1_000, cancellationToken);
            if (page.Count == 0)
            {
                return all;
            }

            all.AddRange(page);
        }
    }

    private static async Task<TimeSpan> DriveAsync(SimulatedVenue venue, IReadOnlyList<PlannedScan> plan, ConcurrentQueue<ScanOutcome> outcomes,
        IProgress<SimulationProgress>? progress, Stopwatch clock, Stopwatch start, PartitionInjector? injector, CancellationToken cancellationToken)
    {
        var edgeOfGate = venue.Edges.SelectMany(e => e.Gates.Select(g => (g.Id, Edge: e))).ToDictionary(x => x.Id, x => x.Edge, StringComparer.Ordinal);
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = MaxInFlight, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1) };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(30) };
        using var inFlight = new SemaphoreSlim(MaxInFlight);
        // Twins (the same badge at a second gate at the same instant) are scans of their own.
        var planned = plan.Count + plan.Count(s => s.Twin is not null);
        var tasks = new List<Task>(planned);
        int sent = 0, admitted = 0, refused = 0, badRequests = 0;
        var recentRoundTrips = new ConcurrentQueue<double>();

        async Task SendOne(PlannedScan scan)
        {
            try
            {
                var edge = edgeOfGate[scan.GateId];
                var outcome = await SendAsync(http, edge.Host.Address, scan, edge.ScannerTokens[scan.GateId], start, cancellationToken);
                outcomes.Enqueue(outcome);
                recentRoundTrips.Enqueue(outcome.RoundTripMs);
                // As the report counts them: admissions (an exit also answers result "admitted", reason
                // "exited"), each once (a retry hears its first answer again).
                if (outcome.Status == 400)
                {
                    Interlocked.Increment(ref badRequests);
                }
                else if (scan.Kind != ScanKind.Retry)
                {
                    if (outcome.Reason == "admitted")
                    {
                        Interlocked.Increment(ref admitted);
                    }
                    else if (outcome.Result == "refused")
                    {
                        Interlocked.Increment(ref refused);
                    }
                }
            }
            finally
            {
                inFlight.Release();
            }
        }

        var reporter = new Timer(_ =>
        {
            var window = recentRoundTrips.ToArray();
            while (recentRoundTrips.Count > 5000 && recentRoundTrips.TryDequeue(out double _))
            {
            }

            progress?.Report(new SimulationProgress("Morning rush", planned, Volatile.Read(ref sent), Volatile.Read(ref admitted),
                Volatile.Read(ref refused), Volatile.Read(ref badRequests), clock.Elapsed, LatencySummary.Of(window).P99, injector?.Describe()));
        }, null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));

        try
        {
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
        }
        finally
        {
            // Cancelled or not, the scans in flight use the client and semaphore disposed on the way out:
            // they end first (a cancelled run cancels them too), and the run's own exception is the one thrown.
            await Task.WhenAll(tasks).ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            // Dispose does not wait for a tick in progress; this does, so no progress line follows "Rush over".
            await reporter.DisposeAsync();
        }

        await Task.WhenAll(tasks);
        var elapsed = start.Elapsed;
        // Over every answer, as the report's figure (the lines before were over the latest ones).
        progress?.Report(new SimulationProgress("Rush over", planned, sent, admitted, refused, badRequests, clock.Elapsed,
            LatencySummary.Of(outcomes.Where(o => o.Status == 200).Select(o => o.RoundTripMs)).P99));
        return elapsed;
    }

    /// <summary>
    /// Sends one scan. A scan that gets no answer (refused connection, or none within the client's
    /// timeout) is an outcome with status 0 for the verdict to judge; only the run's own cancellation throws.
    /// </summary>
    internal static async Task<ScanOutcome> SendAsync(HttpClient http, Uri edge, PlannedScan scan, string scannerToken, Stopwatch start, CancellationToken cancellationToken)
    {
        var body = scan.Kind == ScanKind.BadRequest
            ? "{\"token\": \"VN1.AAAA\", \"direction\": \"sideways\", " // broken on purpose: bad direction and cut off
            : JsonSerializer.Serialize(new { token = scan.Token, direction = scan.Direction == Domain.CheckIn.ScanDirection.Entry ? "entry" : "exit", nonce = scan.Nonce, scannedAt = DateTimeOffset.UtcNow });
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(edge, $"/v1/gates/{scan.GateId}/scans"))
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
            var server = response.Headers.TryGetValues(ScanServerTiming.Header, out var timing) ? ScanServerTiming.Read(timing).CheckInMs : null;

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
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient's timeout, not the user's Ctrl+C: a stalled edge is a failed scan, not a cancelled run.
            var waited = Stopwatch.GetElapsedTime(sentAt);
            return new ScanOutcome(scan, 0, null, null, waited.TotalMilliseconds, null, start.Elapsed,
                $"no answer within {waited.TotalSeconds:0.#} s (the client's timeout is {http.Timeout.TotalSeconds:0} s)");
        }
    }
}
