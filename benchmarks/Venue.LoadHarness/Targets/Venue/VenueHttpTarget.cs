using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Venue.Edge.ScannerApi;
using Venue.LoadHarness.Load;

namespace Venue.LoadHarness.Targets.Venue;

/// <summary>
/// Venue's scanner round trip: <c>POST /v1/gates/{gateId}/scans</c> over HTTP/1.1 on loopback to the
/// real <c>venue edge</c> executable (Kestrel with AddVenueEdge/MapVenueEdge, device-token auth, rate
/// limiting) running as a child process, as the peers' servers do, which loads the ledger snapshot at
/// start like a deployed edge. One keep-alive connection per worker. Its Server-Timing figures are
/// reported alongside.
/// </summary>
/// <remarks>
/// The edge has no "forget everything" call, so every phase gets a fresh process (nobody inside,
/// empty journal). A fresh .NET process needs a while under load before tiered JIT settles: on the
/// 2-core reference machine 2,000 to 4,000 scans/s for its first 6 to 8 s, its plateau of 12,000 to
/// 16,000/s only after 12 to 19 s, while the peers' servers (native) and venue-inproc (in the
/// long-running harness) stay warm across resets. So each restarted process is first warmed up for
/// at least <see cref="SettleFor"/> with scans of the event's warm-up attendees, whom the workload
/// never presents, and the read-back counts only the journal entries after the warm-up's.
/// </remarks>
/// <param name="withOps">Also register an ops credential on every edge started (the console benchmark reads the console's stream with it).</param>
internal sealed class VenueHttpTarget(bool withOps = false) : ICheckInTarget
{
    /// <summary>Least warm-up of a restarted edge process (see remarks).</summary>
    private static readonly TimeSpan SettleFor = TimeSpan.FromSeconds(20);
    private static long _nonce;
    private readonly List<string> _facts = [];
    private readonly LatencyRecorder _serverTimings = new(4_000_000);
    private readonly LatencyRecorder _requestTimings = new(4_000_000);
    private VenueEvent _event = null!;
    private TargetSetup _setup = null!;
    private VenueEdgeProcess? _edge;
    private HttpClient? _client;
    private string[] _paths = [];
    private AuthenticationHeaderValue _authorization = null!;
    private int _generation;
    private long _warmupJournalSequence;
    private string _warmup = "";

    public string Name => "venue-http";

    public string Description =>
        "POST /v1/gates/{gateId}/scans over HTTP/1.1 on loopback to the venue edge executable in its own process (Kestrel, device token, JSON), answered after the journal commit";

    public IReadOnlyList<string> Facts => _facts;

    /// <summary>The edge process now running (null before start and after dispose).</summary>
    public VenueEdgeProcess? Edge => _edge;

    public async Task StartAsync(TargetSetup setup, CancellationToken cancellationToken)
    {
        _setup = setup;
        _event = await VenueEvent.ForAsync(setup.Ledger, setup.Gates, cancellationToken);
        _paths = _event.Gates.Select(g => $"/v1/gates/{g.Id}/scans").ToArray();
        await StartEdgeAsync(cancellationToken);
    }

    public Task<bool> CheckInAsync(int attendeeIndex, int gate, CancellationToken cancellationToken) =>
        ScanAsync(_event.Tokens[attendeeIndex], gate, cancellationToken);

    private Task<bool> ScanAsync(string token, int gate, CancellationToken cancellationToken)
    {
        var nonce = Interlocked.Increment(ref _nonce).ToString(CultureInfo.InvariantCulture);
        // Tokens are base64url and nonces digits: nothing to escape.
        var body = $$"""{"token":"{{token}}","direction":"entry","nonce":"{{nonce}}","scannedAt":"{{DateTimeOffset.UtcNow:O}}"}""";
        var request = new HttpRequestMessage(HttpMethod.Post, _paths[gate])
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        request.Headers.Authorization = _authorization;
        return SendAsync(request, cancellationToken);
    }

    private async Task<bool> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            using var response = await _client!.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var content = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException($"scan answered {(int)response.StatusCode}: {Encoding.UTF8.GetString(content)}");
            }

            RecordServerTiming(response);
            return ResultOf(content) switch
            {
                "admitted" => true,
                "refused" => false,
                var other => throw new InvalidDataException($"scan answered result '{other}'"),
            };
        }
    }

    private static string? ResultOf(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("result"u8))
            {
                reader.Read();
                return reader.GetString();
            }
        }

        return null;
    }

    /// <summary>
    /// Keeps the edge's own times per scan (<c>Server-Timing: checkin;dur=0.123, request;dur=0.456</c>,
    /// ms): the check-in alone, and the edge's whole request from routing to its answer.
    /// </summary>
    private void RecordServerTiming(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues(ScanServerTiming.Header, out var values))
        {
            return;
        }

        var (checkIn, request) = ScanServerTiming.Read(values);
        if (checkIn is { } c)
        {
            _serverTimings.Record((long)(c * Stopwatch.Frequency / 1000));
        }

        if (request is { } r)
        {
            _requestTimings.Record((long)(r * Stopwatch.Frequency / 1000));
        }
    }

    /// <remarks>
    /// The first process is not warmed up here: the harness runs its own warm-up on it and then
    /// resets, and every process started by a reset is warmed up before the phase.
    /// </remarks>
    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        await StopEdgeAsync();
        await StartEdgeAsync(cancellationToken);
        await WarmUpCurrentAsync(cancellationToken);
    }

    /// <summary>Warms the running edge process up (see <see cref="WarmUpAsync"/>) and forgets its Server-Timing samples; returns what it did.</summary>
    public async Task<string> WarmUpCurrentAsync(CancellationToken cancellationToken)
    {
        _warmup = await WarmUpAsync(cancellationToken);
        _warmupJournalSequence = await _edge!.JournalSequenceAsync(cancellationToken);
        _serverTimings.Clear();
        _requestTimings.Clear();
        return _warmup;
    }

    /// <summary>The edge's own time per scan (Server-Timing) since the last call, then forgotten; only while nothing scans.</summary>
    public LatencySummary TakeServerTimings()
    {
        var summary = _serverTimings.Summarize();
        _serverTimings.Clear();
        _requestTimings.Clear();
        return summary;
    }

    public Task<TargetTally> TallyAsync(string phase, CancellationToken cancellationToken)
    {
        var server = _serverTimings.Summarize();
        var request = _requestTimings.Summarize();
        _serverTimings.Clear();
        _requestTimings.Clear();
        _facts.Add($"{phase}: {_warmup}; Server-Timing checkin p50 {server.P50:N0} µs, p99 {server.P99:N0} µs, max {server.Max:N0} µs; " +
            $"request (the edge's whole request) p50 {request.P50:N0} µs, p99 {request.P99:N0} µs, max {request.Max:N0} µs");
        // Read while the edge runs: answered scans are committed, and WAL lets a reader in beside it.
        return Task.FromResult(VenueJournal.Tally(_edge!.JournalPath, _warmupJournalSequence));
    }

    /// <summary>A fresh edge process in a fresh data directory, on a new port, with a new scanner credential.</summary>
    private async Task StartEdgeAsync(CancellationToken cancellationToken)
    {
        _generation++;
        // The harness is one client sending for every gate: lift the per-device limit (its maximum).
        _edge = await VenueEdgeProcess.StartAsync(_event, Path.Combine(_setup.WorkDirectory, $"edge-{_generation}"), 1_000_000, cancellationToken,
            withOps);
        if (_edge.Attendees != _event.Ledger.Count)
        {
            throw new InvalidOperationException($"the edge loaded {_edge.Attendees:N0} attendees, the event has {_event.Ledger.Count:N0}");
        }

        _authorization = new AuthenticationHeaderValue("Bearer", _edge.Token);
        _client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = _setup.Concurrency,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            BaseAddress = _edge.Address,
            Timeout = TimeSpan.FromSeconds(60),
        };
        _warmupJournalSequence = 0;
        _warmup = "edge process not warmed up";
        if (_generation == 1)
        {
            _facts.Add($"edge: separate process 'dotnet venue.dll edge' (pid {_edge.ProcessId}) on {_edge.Address}, healthy {_edge.ReadyAfter.TotalSeconds:0.0} s after launch " +
                $"with {_edge.Attendees:N0} attendees from the ledger snapshot ({VenueEvent.WarmupAttendees:N0} of them warm-up only); " +
                "a fresh process and data directory for every phase");
        }
    }

    /// <summary>
    /// Closed loop on the new process, one connection per worker, with the warm-up attendees
    /// (admitted once, then refused as already inside), so that the phase meets settled JIT.
    /// </summary>
    private async Task<string> WarmUpAsync(CancellationToken cancellationToken)
    {
        if (_setup.Warmup <= TimeSpan.Zero)
        {
            return "edge process not warmed up (--warmup-seconds 0)";
        }

        var duration = _setup.Warmup > SettleFor ? _setup.Warmup : SettleFor;
        var tokens = _event.WarmupTokens;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long next = -1;
        async Task Worker()
        {
            while (Stopwatch.GetTimestamp() < end)
            {
                var i = Interlocked.Increment(ref next);
                await ScanAsync(tokens[i % tokens.Length], (int)(i % _paths.Length), cancellationToken);
            }
        }

        var workers = Task.WhenAll(Enumerable.Range(0, _setup.Concurrency).Select(_ => Task.Run(Worker, cancellationToken)));
        // The rate of the last second shows whether the process had reached its plateau.
        await Task.WhenAny(workers, Task.Delay(duration - TimeSpan.FromSeconds(1), cancellationToken));
        var (markedAt, marked) = (Stopwatch.GetTimestamp(), Interlocked.Read(ref next));
        await workers;
        var scans = Interlocked.Read(ref next) + 1;
        var lastRate = (scans - 1 - marked) / Stopwatch.GetElapsedTime(markedAt).TotalSeconds;
        return $"edge process warmed up {Stopwatch.GetElapsedTime(start).TotalSeconds:0} s first ({scans:N0} scans, {lastRate:N0}/s in the last second)";
    }

    private async Task StopEdgeAsync()
    {
        _client?.Dispose();
        _client = null;
        if (_edge is not null)
        {
            await _edge.DisposeAsync();
            _edge = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopEdgeAsync();
}
