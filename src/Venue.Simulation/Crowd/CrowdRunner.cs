using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Venue.Domain.Booths;
using Venue.Domain.Layout;
using Venue.Domain.Leaderboards;
using Venue.Domain.Portals;
using Venue.Domain.Readers;
using Venue.Domain.Telemetry;
using Venue.Domain.Zones;
using Venue.Runtime.Streams;
using Venue.Storage.Sqlite;

namespace Venue.Simulation.Crowd;

/// <summary>
/// Runs the day on the floor after the rush: each edge's simulated readers report their passes
/// (noisy, batched, some batches delivered twice, reads slightly out of order) in event-time order
/// compressed into <c>wander</c> seconds of wall time, in process or through MQTT and RabbitMQ;
/// booth staff capture leads and the quiz desk awards points over real HTTP. Then it waits until
/// every read is journaled and every pass decided, reads the zones, booths and boards back, and
/// judges them against where the plan put everybody.
/// </summary>
public static class CrowdRunner
{
    /// <summary>Most reads a simulated reader sends in one message (Zebra's batching mode).</summary>
    public const int MaxBatch = 200;

    /// <summary>Share of batches a reader (or the broker) delivers twice.</summary>
    public const double RedeliveredShare = 0.02;

    public static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Plays the day. <paramref name="alerts"/> has watched the edges' zone alerts since before the
    /// rush (the gates fill the lobbies), so every clear counted has its raise counted too.
    /// </summary>
    public static async Task<CrowdFigures> RunAsync(IReadOnlyList<CrowdEdge> edges, TimeSpan wander, int seed, ZoneAlertLog alerts,
        Action<string, long, long>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(edges);
        ArgumentNullException.ThrowIfNull(alerts);
        var latencies = new ConcurrentBag<double>();
        var lastHandoff = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var subscriptions = new List<IDisposable>();
        foreach (var edge in edges)
        {
            subscriptions.Add(edge.Streams.SubscribeNamespace<Movement>(TelemetryStreams.Movements, e =>
            {
                // Gate moves have no read behind them; portal moves are timed from the last read of that badge handed in.
                if (edge.Layout.TryGetPortal(e.Item.Via, out _) && lastHandoff.TryGetValue(EpcCodec.Encode(e.Item.AttendeeId), out var at))
                {
                    latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
                }

                return Task.CompletedTask;
            }));
        }

        long sent = 0, redelivered = 0, total = edges.Sum(e => (long)e.Reads.Values.Sum(r => r.Count));
        var leadAnswers = new ConcurrentDictionary<(string Booth, string Attendee), string>();
        var challengeAnswers = new ConcurrentQueue<(string Edge, string Attendee, string Answer)>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var reporter = new Timer(_ => progress?.Invoke("Crowd on the floor", Interlocked.Read(ref sent), total), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(250));
        var emission = Stopwatch.StartNew();
        // The readers' own time, desks excluded: a lead posted over HTTP at the end of the day is not read traffic.
        var readersDone = TimeSpan.Zero;
        try
        {
            var readers = new List<Task>();
            var desks = new List<Task>();
            foreach (var edge in edges)
            {
                var span = edge.Plan.To - edge.Plan.From;
                TimeSpan Due(DateTimeOffset at) => wander * Math.Clamp((at - edge.Plan.From) / span, 0, 1);
                foreach (var (reader, reads) in edge.Reads)
                {
                    var random = new Random(StableSeed.Of(seed, "deliveries", reader));
                    readers.Add(Task.Run(async () =>
                    {
                        var i = 0;
                        while (i < reads.Count)
                        {
                            var wait = Due(reads[i].ReadAt) - emission.Elapsed;
                            if (wait > TimeSpan.FromMilliseconds(2))
                            {
                                await Task.Delay(wait, cancellationToken);
                            }

                            var end = i + 1;
                            while (end < reads.Count && end - i < MaxBatch && Due(reads[end].ReadAt) <= emission.Elapsed)
                            {
                                end++;
                            }

                            var batch = reads.GetRange(i, end - i);
                            // Readers' buffers are not strictly ordered: swap a few neighbours.
                            for (var k = 1; k < batch.Count; k += 7)
                            {
                                if (random.NextDouble() < 0.3)
                                {
                                    (batch[k - 1], batch[k]) = (batch[k], batch[k - 1]);
                                }
                            }

                            var now = Stopwatch.GetTimestamp();
                            foreach (var read in batch)
                            {
                                lastHandoff[read.Epc] = now;
                            }

                            await edge.Transport.SendAsync(reader, batch, cancellationToken);
                            Interlocked.Add(ref sent, batch.Count);
                            if (random.NextDouble() < RedeliveredShare)
                            {
                                await edge.Transport.SendAsync(reader, batch, cancellationToken);
                                Interlocked.Add(ref redelivered, batch.Count);
                            }

                            i = end;
                        }
                    }, cancellationToken));
                }

                desks.Add(Task.Run(() => DriveDesksAsync(http, edge, Due, emission, leadAnswers, challengeAnswers, cancellationToken), cancellationToken));
            }

            try
            {
                await Task.WhenAll(readers);
                readersDone = emission.Elapsed;
            }
            finally
            {
                // Whatever the readers did, the desks' requests use the client disposed on the way out.
                await Task.WhenAll(desks);
            }
        }
        finally
        {
            await reporter.DisposeAsync();
        }

        progress?.Invoke("Waiting for every read to be journaled and every pass decided", sent, total);
        var drained = await DrainAsync(edges, cancellationToken);
        foreach (var s in subscriptions)
        {
            s.Dispose();
        }

        return await CollectAsync(edges, readersDone, drained, sent, Interlocked.Read(ref redelivered), [.. latencies], [.. alerts.Snapshot()], leadAnswers, [.. challengeAnswers]);
    }

    /// <summary>Booth staff scanning visitors for leads (some retried with the same nonce), and the quiz desk.</summary>
    private static async Task DriveDesksAsync(HttpClient http, CrowdEdge edge, Func<DateTimeOffset, TimeSpan> due, Stopwatch emission,
        ConcurrentDictionary<(string, string), string> leads, ConcurrentQueue<(string Edge, string Attendee, string Answer)> challenges, CancellationToken cancellationToken)
    {
        var desk = edge.Plan.Leads.Select(l => (l.At, Lead: (PlannedLead?)l, Challenge: (PlannedChallenge?)null))
            .Concat(edge.Plan.Challenges.Select(c => (c.At, Lead: (PlannedLead?)null, Challenge: (PlannedChallenge?)c)))
            .OrderBy(x => x.At).ToList();
        var n = 0;
        foreach (var (at, lead, challenge) in desk)
        {
            var wait = due(at) - emission.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(2))
            {
                await Task.Delay(wait, cancellationToken);
            }

            n++;
            if (lead is not null)
            {
                var nonce = $"{edge.EdgeId}-lead-{n}";
                var body = JsonSerializer.Serialize(new { token = lead.Token, rating = lead.Rating, notes = $"Met at {lead.BoothId}", nonce });
                var app = edge.BoothTokens[lead.BoothId];
                var result = await PostAsync(http, edge, app, $"/v1/booths/{lead.BoothId}/leads", body, cancellationToken);
                if (lead.Retried)
                {
                    // The booth app did not hear the answer and sends the same scan again.
                    result = await PostAsync(http, edge, app, $"/v1/booths/{lead.BoothId}/leads", body, cancellationToken);
                }

                leads[(lead.BoothId, lead.AttendeeId)] = result;
            }
            else
            {
                var body = JsonSerializer.Serialize(new { token = challenge!.Token, nonce = $"{edge.EdgeId}-quiz-{n}" });
                challenges.Enqueue((edge.EdgeId, challenge.AttendeeId, await PostAsync(http, edge, edge.DeskToken, $"/v1/challenges/{CrowdLayout.Challenge}/completions", body, cancellationToken)));
            }
        }
    }

    /// <summary>The answer's result, <c>http {status}</c>, or <c>no answer: ...</c>; the verdict judges it. Only the run's own cancellation throws.</summary>
    private static async Task<string> PostAsync(HttpClient http, CrowdEdge edge, string token, string path, string body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(edge.Address, path)) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return $"http {(int)response.StatusCode}";
            }

            using var json = JsonDocument.Parse(text);
            return json.RootElement.GetProperty("result").GetString() ?? "";
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return $"no answer: {e.Message}";
        }
    }

    /// <summary>Until each edge's read journal holds every distinct read and no portal has a pass open; gives up after <see cref="DrainTimeout"/>.</summary>
    private static async Task<TimeSpan> DrainAsync(IReadOnlyList<CrowdEdge> edges, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        foreach (var edge in edges)
        {
            var distinct = edge.Reads.Values.Sum(r => (long)r.Count);
            while (clock.Elapsed < DrainTimeout)
            {
                var journaled = edge.Telemetry.Journal.LastReadSequence;
                var open = 0;
                if (journaled >= distinct)
                {
                    foreach (var portal in edge.Layout.Portals)
                    {
                        open += (await edge.Grains.GetGrain<IPortalGrain>(portal.Id).GetStatusAsync()).OpenPasses;
                    }

                    if (open == 0)
                    {
                        break;
                    }
                }

                await Task.Delay(50, cancellationToken);
            }
        }

        return clock.Elapsed;
    }

    private static async Task<CrowdFigures> CollectAsync(IReadOnlyList<CrowdEdge> edges, TimeSpan emitted, TimeSpan drained, long sent, long redelivered,
        double[] latencies, (string Edge, ZoneAlert Alert)[] alerts, ConcurrentDictionary<(string Booth, string Attendee), string> leadAnswers, (string Edge, string Attendee, string Answer)[] challengeAnswers)
    {
        var zones = new List<ZoneFigure>();
        var booths = new List<BoothFigure>();
        var facts = new List<CrowdEdgeFacts>();
        var readsJournaled = 0L;
        var duplicates = 0L;
        var movements = 0L;
        var leaderboards = new List<LeaderboardEntry>();
        var noise = new ReaderNoise(0, 0, 0);
        var leadProblems = new List<string>();
        var pointProblems = new List<string>();
        var attendeesScored = 0;
        foreach (var edge in edges)
        {
            var status = edge.Telemetry.GetStatus();
            duplicates += status.DuplicateReads;
            movements += status.PortalMovements;
            noise = new ReaderNoise(noise.Passes + edge.Noise.Passes, noise.OneAntenna + edge.Noise.OneAntenna, noise.AtOnce + edge.Noise.AtOnce);
            var expected = edge.Plan.FinalZone.GroupBy(kv => kv.Value, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            var edgeZones = new List<ZoneFigure>();
            foreach (var zone in edge.Layout.Zones)
            {
                var z = await edge.Grains.GetGrain<IZoneGrain>(zone.Id).GetStatusAsync();
                var want = expected.GetValueOrDefault(zone.Id) + (zone.Id == CrowdLayout.Lobby(edge.EdgeId) ? edge.InsideNotWandering : 0);
                edgeZones.Add(new ZoneFigure(edge.EdgeId, zone.Id, z.Capacity, z.Occupancy, want, z.PeakOccupancy, z.Level.ToString(),
                    alerts.Count(a => a.Edge == edge.EdgeId && a.Alert.ZoneId == zone.Id && a.Alert.Raised),
                    z.Sessions.Sum(s => s.Attended), z.Dwell.P50?.TotalMinutes));
            }

            zones.AddRange(edgeZones);
            // Where each person is, by their own grain: the truth the zones' counts are made of.
            var located = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var attendee in edge.Plan.FinalZone.Keys)
            {
                located[attendee] = (await edge.Grains.GetGrain<IAttendeeLocationGrain>(attendee).GetLocationAsync()).Zone;
            }

            // The read journal read back, not its counter: which reads it holds, not how many.
            var journaled = SqliteReadJournal.ReadAll(edge.Telemetry.Journal.Path).Select(r => r.Read).ToList();
            readsJournaled += journaled.Count;
            facts.Add(new CrowdEdgeFacts(edge.EdgeId, edge.Plan.FinalZone, located, edgeZones, edge.Reads, journaled, status.DuplicateReads));

            var planned = edge.Plan.Leads.GroupBy(l => l.BoothId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(l => l.AttendeeId).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
            foreach (var booth in edge.Layout.Booths)
            {
                var b = await edge.Grains.GetGrain<IBoothGrain>(booth.Id).GetStatusAsync();
                var want = planned.GetValueOrDefault(booth.Id);
                if (b.Leads != want || b.Score != (long)want * edge.Layout.Points.Booth)
                {
                    leadProblems.Add($"{booth.Id}: {b.Leads} leads and score {b.Score} for {want} visitors scanned");
                }

                booths.Add(new BoothFigure(edge.EdgeId, booth.Id, b.Leads, b.Visits, b.DistinctVisitors, b.Score));
            }

            var board = edge.Grains.GetGrain<ILeaderboardGrain>(LeaderboardNames.Attendees);
            leaderboards.AddRange(await board.GetTopAsync(3));
            var quizAwarded = challengeAnswers.Where(a => a.Edge == edge.EdgeId && a.Answer == "awarded").Select(a => a.Attendee).ToHashSet(StringComparer.Ordinal);
            var scores = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var attendee in edge.Plan.FinalZone.Keys.Concat(edge.Plan.Leads.Select(l => l.AttendeeId)).Concat(quizAwarded))
            {
                if (!scores.ContainsKey(attendee))
                {
                    scores[attendee] = (await board.GetRankAsync(attendee))?.Score ?? 0;
                }
            }

            var quiz = edge.Layout.Challenges.Single(c => c.Id == CrowdLayout.Challenge);
            pointProblems.AddRange(CrowdVerdict.AttendeePointProblems(edge.EdgeId, scores, edge.Plan.Leads, quizAwarded,
                edgeZones.Sum(z => (long)z.SessionAttended), edge.Layout.Points, quiz.Points ?? edge.Layout.Points.Challenge));
            attendeesScored += scores.Count;
        }

        var wrongAnswers = CrowdVerdict.DeskAnswersNotAsPlanned(edges.SelectMany(e => e.Plan.Leads), leadAnswers, challengeAnswers);
        var emittedReads = edges.Sum(e => (long)e.Reads.Values.Sum(r => r.Count));
        // In process a batch is delivered twice only when this runner sends it twice; a broker may redeliver on its own.
        var exact = edges.All(e => e.Transport is InProcessTransport);
        var checks = CrowdVerdict.Judge(new CrowdFacts(facts, redelivered, exact, leadAnswers.Count, booths.Count, challengeAnswers.Length, wrongAnswers, leadProblems)
        {
            PointProblems = pointProblems,
            AttendeesScored = attendeesScored,
        });

        return new CrowdFigures(
            edges[0].Transport.Name, emitted.TotalSeconds, drained.TotalSeconds, emittedReads, sent, redelivered, readsJournaled, duplicates,
            noise, movements, sent / Math.Max(emitted.TotalSeconds, 0.001), LatencySummary.Of(latencies),
            zones, alerts.Count(a => a.Alert.Raised), alerts.Count(a => !a.Alert.Raised),
            [.. booths.OrderByDescending(b => b.Leads).Take(5)], [.. leaderboards.OrderByDescending(e => e.Score).Take(5)],
            leadAnswers.Count, challengeAnswers.Count(a => a.Answer == "awarded"), [.. checks]);
    }
}

/// <summary>An edge as the crowd runner drives it.</summary>
public sealed record CrowdEdge(
    string EdgeId,
    Uri Address,
    string DeskToken,
    IReadOnlyDictionary<string, string> BoothTokens,
    Venue.Edge.Telemetry.EdgeTelemetry Telemetry,
    Venue.Runtime.IGrainFactory Grains,
    IStreamProvider Streams,
    VenueLayout Layout,
    CrowdPlan Plan,
    IReadOnlyDictionary<string, List<TagRead>> Reads,
    ReaderNoise Noise,
    IReadTransport Transport,
    int InsideNotWandering);

/// <summary>One zone at the end of the day: occupancy against what the plan says, peak, level, alerts raised, session attendance, median stay (minutes).</summary>
public sealed record ZoneFigure(string Edge, string ZoneId, int Capacity, int Occupancy, int Expected, int Peak, string Level, int AlertsRaised, int SessionAttended, double? DwellP50Minutes);

public sealed record BoothFigure(string Edge, string BoothId, int Leads, long Visits, int DistinctVisitors, long Score);

/// <summary>What the crowd phase did and measured.</summary>
public sealed record CrowdFigures(
    string Transport,
    /// <summary>Wall time the readers took to hand over every read (the desks' HTTP not included).</summary>
    double EmissionSeconds,
    double DrainSeconds,
    long ReadsEmitted,
    long ReadsSent,
    long ReadsRedelivered,
    long ReadsJournaled,
    long DuplicatesDropped,
    ReaderNoise Noise,
    long Movements,
    /// <summary>Distinct reads the readers handed over per second of their own sending (<see cref="EmissionSeconds"/>, the desks' HTTP excluded), paced by the plan.</summary>
    double ReadsPerSecond,
    LatencySummary ReadToOccupancyMs,
    IReadOnlyList<ZoneFigure> Zones,
    /// <summary>Zone alerts raised and cleared over the whole day, the rush included (the gates fill the lobbies).</summary>
    int AlertsRaised,
    int AlertsCleared,
    IReadOnlyList<BoothFigure> TopBooths,
    IReadOnlyList<LeaderboardEntry> TopAttendees,
    int Leads,
    int ChallengesAwarded,
    IReadOnlyList<VerdictCheck> Checks);
