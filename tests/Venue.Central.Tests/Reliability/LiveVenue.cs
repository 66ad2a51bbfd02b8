using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Venue.Central.Silo;
using Venue.Domain.Central;
using Venue.Domain.Journal;
using Venue.Domain.Ledger;
using Venue.Domain.Sync;
using Venue.Domain.Tickets;
using Venue.Simulation.Network;
using Venue.Storage.Sqlite;
using Venue.Testing.Processes;

namespace Venue.Central.Tests.Reliability;

/// <summary>A badge registered at central: who it is and the signed token a scanner reads.</summary>
public sealed record Badge(string AttendeeId, string Token);

/// <summary>
/// A whole venue as operators run it, every part a real process: <c>venue central</c> (embedded SQLite,
/// or PostgreSQL when given a connection string) and one <c>venue edge</c> per edge id, each edge
/// reaching central only through its own <see cref="FaultProxy"/>. Set up the way operators do:
/// attendees registered at central, <c>venue central devices add</c> for each edge's sync token,
/// <c>venue edge devices add</c> for its scanner; the edges start with no ledger and download it
/// from central.
/// </summary>
public sealed class LiveVenue : IAsyncDisposable
{
    public const string EventId = "reliability";

    /// <summary>Times an edge must find central unreachable before central starts in <see cref="Boot.EdgesBeforeCentral"/>.</summary>
    public const int KnocksBeforeCentral = 10;

    private static readonly TimeSpan CliLimit = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(45);

    private readonly TempDirectory _directory;
    private readonly ITestOutputHelper _output;
    private readonly Dictionary<string, LiveEdge> _edges;
    private readonly Dictionary<string, HttpClient> _centralAsEdge = new(StringComparer.Ordinal);
    private HttpClient? _centralAsIntegrator;

    private LiveVenue(TempDirectory directory, ITestOutputHelper output, CentralOptions options, IReadOnlyList<Badge> badges,
        SiloProcess central, Dictionary<string, LiveEdge> edges)
    {
        _directory = directory;
        _output = output;
        Options = options;
        Badges = badges;
        Central = central;
        _edges = edges;
    }

    /// <summary>Central's options as its config file holds them (for opening its store once it is stopped).</summary>
    public CentralOptions Options { get; }

    public IReadOnlyList<Badge> Badges { get; }

    public SiloProcess Central { get; private set; }

    public IReadOnlyCollection<LiveEdge> Edges => _edges.Values;

    public LiveEdge this[string edgeId] => _edges[edgeId];

    /// <summary>In which order the processes start.</summary>
    public enum Boot
    {
        /// <summary>Central and the edges at once (an edge waits for central's ledger anyway).</summary>
        Together,

        /// <summary>The edges first, central only once every edge has knocked at it in vain a few times, as when the WAN comes up last.</summary>
        EdgesBeforeCentral,
    }

    public static async Task<LiveVenue> StartAsync(int attendees, IReadOnlyList<string> edgeIds, ITestOutputHelper output, string? postgres = null,
        Boot boot = Boot.Together)
    {
        var clock = Stopwatch.StartNew();
        var directory = new TempDirectory();
        var edges = new Dictionary<string, LiveEdge>(StringComparer.Ordinal);
        SiloProcess? central = null;
        try
        {
            var options = await WriteCentralConfigAsync(directory, postgres);
            var centralConfig = directory.File("central.json");
            var edgeDirectories = edgeIds.ToDictionary(id => id, id => directory.File(id), StringComparer.Ordinal);

            // Each edge's scanner credential (a store of its own) meanwhile central is prepared.
            var scannerTokens = edgeIds.ToDictionary(id => id, id => CreateScannerAsync(directory, id, edgeDirectories[id]), StringComparer.Ordinal);

            // Opening central's store as central does creates its schema ('venue central migrate' runs the same code).
            var badges = await RegisterAsync(options, attendees);
            output.WriteLine($"[setup +{clock.Elapsed.TotalSeconds:0.0} s] central's store ({(postgres is null ? "sqlite" : "postgres")}) holds {badges.Count} attendees");
            var syncTokens = (await Task.WhenAll(edgeIds.Select(async id =>
                (Id: id, Token: (await RunAsync(directory, "central", "devices", "add", "--config", centralConfig, "--name", id, "--role", "edge")).DeviceToken))))
                .ToDictionary(t => t.Id, t => t.Token, StringComparer.Ordinal);
            // Central's counts are for integrators' keys (its /healthz says only that it is up).
            var statsKey = (await RunAsync(directory, "keys", "api", "create", "--config", centralConfig, "--name", "reliability test",
                "--scope", "stats:read", "--requests-per-minute", "100000")).StandardOutput.Trim();
            await Task.WhenAll(scannerTokens.Values);
            output.WriteLine($"[setup +{clock.Elapsed.TotalSeconds:0.0} s] edge, scanner and integrator credentials issued");

            // The edges first or all at once: an edge with no ledger retries its download until central answers.
            var centralStart = SiloStart.Central(centralConfig, directory.Path);
            var proxies = edgeIds.Select(_ => FaultProxy.Start(centralStart.Address)).ToList();
            var startingEdges = edgeIds.Select((id, i) => LiveEdge.StartAsync(id, directory, edgeDirectories[id], proxies[i],
                syncTokens[id], scannerTokens[id].Result, StartLimit)).ToList();
            Task<SiloProcess>? startingCentral = null;
            try
            {
                if (boot == Boot.EdgesBeforeCentral)
                {
                    await AwaitEdgesKnockingAsync(startingEdges, proxies, clock, output);
                }

                startingCentral = SiloProcess.StartAsync(centralStart, StartLimit);
                await Task.WhenAll([startingCentral, .. startingEdges]);
            }
            finally
            {
                // Whatever failed, every start ends (by its own time limit at worst) before the clean-up below takes what did start.
                await Task.WhenAll(startingEdges.Select(s => s.ContinueWith(_ => { }, TaskScheduler.Default)));
                central = startingCentral is { IsCompletedSuccessfully: true } ? startingCentral.Result : null;
                foreach (var edge in startingEdges.Where(s => s.IsCompletedSuccessfully).Select(s => s.Result))
                {
                    edges[edge.Id] = edge;
                }
            }

            var running = central!;
            output.WriteLine($"[setup +{clock.Elapsed.TotalSeconds:0.0} s] central on {running.Address}, edges {string.Join(", ", edgeIds)} started on its ledger");
            var venue = new LiveVenue(directory, output, options, badges, running, edges);
            venue._centralAsIntegrator = new HttpClient { BaseAddress = running.Address, Timeout = TimeSpan.FromSeconds(5), DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", statsKey) } };
            foreach (var (id, token) in syncTokens)
            {
                venue._centralAsEdge[id] = new HttpClient { BaseAddress = running.Address, Timeout = TimeSpan.FromSeconds(5), DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", token) } };
            }

            return venue;
        }
        catch
        {
            foreach (var edge in edges.Values)
            {
                output.WriteLine($"edge {edge.Id} printed:\n{edge.Process.Output}");
                await edge.DisposeAsync();
            }

            if (central is not null)
            {
                output.WriteLine($"central printed:\n{central.Output}");
                await central.DisposeAsync();
            }

            directory.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Awaits every edge trying (through its proxy) to reach a central that is not there yet, again and
    /// again, while its process lives on; an edge that gives up and exits fails the start at once.
    /// </summary>
    private static async Task AwaitEdgesKnockingAsync(IReadOnlyList<Task<LiveEdge>> startingEdges, IReadOnlyList<FaultProxy> proxies, Stopwatch clock, ITestOutputHelper output)
    {
        await Eventually.UntilAsync(() => Task.FromResult(startingEdges.Any(s => s.IsCompleted) || proxies.All(p => p.Counters.TargetUnreachable >= KnocksBeforeCentral)),
            StartLimit, () => $"every edge to find central unreachable {KnocksBeforeCentral} times ({string.Join(", ", proxies.Select(p => p.Counters.TargetUnreachable))})");
        var ended = startingEdges.FirstOrDefault(s => s.IsCompleted);
        if (ended is not null)
        {
            // Healthy without central cannot be (it has no ledger); an exit is the failure to report.
            await ended;
            throw new InvalidOperationException("An edge with no ledger answered /healthz before central was up.");
        }

        output.WriteLine($"[setup +{clock.Elapsed.TotalSeconds:0.0} s] every edge found central unreachable {KnocksBeforeCentral}+ times and kept retrying");
    }

    /// <summary>SIGKILL to central, then the same command on the same port and data (edges and their proxies keep pointing there).</summary>
    public async Task RestartCentralAfterKillAsync()
    {
        var clock = Stopwatch.StartNew();
        Central = await Central.RestartAfterKillAsync(StartLimit);
        _output.WriteLine($"central SIGKILLed and healthy again in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    /// <summary>
    /// Central's <c>GET /v1/stats</c> (inside, admitted, feedId...) with an integrator key, read after
    /// this call began: central answers every caller from one reading a second, so this asks again
    /// until the reading's <c>at</c> is not older than the call (same machine, same clock).
    /// </summary>
    public async Task<JsonElement> CentralStatsAsync()
    {
        var asked = DateTimeOffset.UtcNow;
        JsonElement stats = default;
        await Eventually.UntilAsync(async () =>
        {
            using var response = await _centralAsIntegrator!.GetAsync("/v1/stats");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"central's /v1/stats answered {(int)response.StatusCode} {body}");
            stats = JsonDocument.Parse(body).RootElement.Clone();
            return stats.GetProperty("at").GetDateTimeOffset() >= asked;
        }, TimeSpan.FromSeconds(10), () => $"central's /v1/stats read after {asked:O} (last: {stats})");
        return stats;
    }

    /// <summary>Central's own answer (GET /v1/sync/journal/position, asked directly, not through the proxy): the highest sequence of the edge it holds with no gap.</summary>
    public async Task<long> CentralPositionAsync(string edgeId)
    {
        using var response = await _centralAsEdge[edgeId].GetAsync("/v1/sync/journal/position");
        response.EnsureSuccessStatusCode();
        var position = await JsonSerializer.DeserializeAsync(await response.Content.ReadAsStreamAsync(), SyncJsonContext.Default.JournalPositionWire);
        return position!.HighestContiguous;
    }

    /// <summary>
    /// Awaits (scans having stopped) the moment central holds, without a gap, every entry each edge has
    /// journaled: central's position for the edge equals the edge's last journal sequence, and the
    /// edge has central's receipt for it.
    /// </summary>
    public async Task AwaitCentralHoldsEveryJournalAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var seen = "nothing yet";
        await Eventually.UntilAsync(async () =>
        {
            var caughtUp = true;
            var parts = new List<string>();
            foreach (var edge in Edges)
            {
                try
                {
                    var health = await edge.Process.HealthAsync();
                    var journal = health.GetProperty("journalSequence").GetInt64();
                    var acknowledged = health.GetProperty("sync").GetProperty("uploadedSequence").GetInt64();
                    var held = await CentralPositionAsync(edge.Id);
                    parts.Add($"{edge.Id}: journal at {journal}, acknowledged up to {acknowledged}, central holds up to {held}");
                    // Central's answer to the upload comes after it reconciled what was new, so its live counts are settled too.
                    caughtUp &= held == journal && acknowledged == journal;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
                {
                    parts.Add($"{edge.Id}: {e.Message}");
                    caughtUp = false;
                }
            }

            seen = string.Join("; ", parts);
            return caughtUp;
        }, timeout, () => $"central to hold every journal entry of every edge (last seen: {seen})", TimeSpan.FromMilliseconds(50));
        _output.WriteLine($"central caught up in {clock.Elapsed.TotalSeconds:0.0} s: {seen}");
    }

    /// <summary>SIGKILLs every edge and central: what is on disk is what the assertions read.</summary>
    public async Task StopAsync()
    {
        foreach (var edge in Edges)
        {
            await edge.StopAsync();
        }

        await Central.KillAsync();
    }

    /// <summary>Each edge's journal as it is on disk, by edge id.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<JournalEntry>> Journals() =>
        Edges.ToDictionary(e => e.Id, e => e.Journal(), StringComparer.Ordinal);

    /// <summary>Central's store, opened as central opens it (call once the processes are stopped).</summary>
    public Task<ICentralStore> OpenCentralStoreAsync() => CentralStoreFactory.OpenAsync(Options, TimeProvider.System);

    /// <summary>Writes what every process printed (for a failing test).</summary>
    public void WriteOutputs()
    {
        _output.WriteLine($"--- central\n{Central.Output}");
        foreach (var edge in Edges)
        {
            _output.WriteLine($"--- edge {edge.Id}\n{edge.Process.Output}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        _centralAsIntegrator?.Dispose();
        foreach (var client in _centralAsEdge.Values)
        {
            client.Dispose();
        }

        foreach (var edge in Edges)
        {
            await edge.DisposeAsync();
        }

        await Central.DisposeAsync();
        _directory.Dispose();
    }

    private static async Task<CentralOptions> WriteCentralConfigAsync(TempDirectory directory, string? postgres)
    {
        var keyPath = directory.File("k1.private.pem");
        using (var key = TicketSigningKey.Create("k1"))
        {
            await File.WriteAllTextAsync(keyPath, key.ExportPrivatePem());
        }

        var options = new CentralOptions
        {
            SiloId = "central",
            DataDirectory = directory.File("central"),
            PostgresConnectionString = postgres,
            EventId = EventId,
            EventName = "Reliability rehearsal",
            SigningKeyPath = keyPath,
            TicketTypes = [new TicketTypeOptions { Name = "general", Reentry = true }],
        };
        var config = new
        {
            Central = new
            {
                options.SiloId,
                options.DataDirectory,
                PostgresConnectionString = postgres ?? "",
                options.EventId,
                options.EventName,
                options.SigningKeyPath,
                TicketTypes = options.TicketTypes.Select(t => new { t.Name, t.Reentry }),
            },
            Logging = Logging(),
        };
        await File.WriteAllTextAsync(directory.File("central.json"), JsonSerializer.Serialize(config, Indented));
        return options;
    }

    /// <summary>Registers a0..a{n-1} in central's store with badges signed by the key central's config names.</summary>
    private static async Task<IReadOnlyList<Badge>> RegisterAsync(CentralOptions options, int count)
    {
        using var key = TicketSigningKey.FromPrivatePem("k1", await File.ReadAllTextAsync(options.SigningKeyPath));
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            var id = $"a{i:0000}";
            var token = key.Issue(new BadgeClaims(key.KeyId, EventId, id, "general", 0, 0));
            return new RegisteredAttendee(id, $"Attendee {i}", null, null, "general", null, null, AttendeeStatus.Active, null, token, TokenHash.Of(token));
        }).ToList();
        await using var store = await CentralStoreFactory.OpenAsync(options, TimeProvider.System);
        await store.UpsertAttendeesAsync(rows, [], DateTimeOffset.UtcNow);
        return [.. rows.Select(r => new Badge(r.Id, r.Token))];
    }

    private static async Task<string> CreateScannerAsync(TempDirectory directory, string edgeId, string dataDirectory)
    {
        var config = await LiveEdge.WriteConfigAsync(directory, edgeId, dataDirectory, centralUrl: null);
        return (await RunAsync(directory, "edge", "devices", "add", "--config", config, "--name", $"{edgeId} lane 1")).DeviceToken;
    }

    private static async Task<ProcessResult> RunAsync(TempDirectory directory, params string[] args)
    {
        var result = await VenueExecutable.RunAsync(directory.Path, CliLimit, args);
        Assert.True(result.ExitCode == 0, $"venue {string.Join(' ', args)}: {result}");
        return result;
    }

    internal static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    internal static Dictionary<string, object> Logging() => new()
    {
        ["LogLevel"] = new Dictionary<string, string>
        {
            ["Default"] = "Warning",
            ["Venue"] = "Information",
            ["Microsoft.Hosting.Lifetime"] = "Information",
        },
    };
}

/// <summary>One <c>venue edge</c> process, the proxy it reaches central through, and a scanner on one of its gates.</summary>
public sealed class LiveEdge : IAsyncDisposable
{
    private readonly HttpClient _http;

    private LiveEdge(string id, string dataDirectory, FaultProxy proxy, SiloProcess process, string scannerToken)
    {
        Id = id;
        DataDirectory = dataDirectory;
        Proxy = proxy;
        Process = process;
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(10) };
        Scanner = new ScannerClient(_http, scannerToken);
    }

    public string Id { get; }

    public string DataDirectory { get; }

    /// <summary>The only way this edge reaches central.</summary>
    public FaultProxy Proxy { get; }

    public SiloProcess Process { get; }

    public ScannerClient Scanner { get; }

    /// <summary>This edge's gates: {ID}1 and {ID}2 (N1, N2 at north).</summary>
    public IReadOnlyList<string> Gates => GatesOf(Id);

    private static IReadOnlyList<string> GatesOf(string edgeId) => [$"{char.ToUpperInvariant(edgeId[0])}1", $"{char.ToUpperInvariant(edgeId[0])}2"];

    /// <summary>Starts the edge behind <paramref name="proxy"/>, which it owns from here (and disposes if the start fails).</summary>
    public static async Task<LiveEdge> StartAsync(string id, TempDirectory directory, string dataDirectory, FaultProxy proxy, string syncToken, string scannerToken, TimeSpan timeout)
    {
        try
        {
            var config = await WriteConfigAsync(directory, id, dataDirectory, proxy.Address);
            // The sync token is a secret: the environment, as the docs tell operators, not the file.
            var start = SiloStart.Edge(config, directory.Path, new Dictionary<string, string> { ["VENUE_Edge__Central__Token"] = syncToken });
            var process = await SiloProcess.StartAsync(start, timeout);
            return new LiveEdge(id, dataDirectory, proxy, process, scannerToken);
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The edge's config. Retries are short (50 ms doubling to 500 ms) so an edge is back within half
    /// a second of its link healing; the long poll is short so a cut one is noticed soon.
    /// </summary>
    internal static async Task<string> WriteConfigAsync(TempDirectory directory, string id, string dataDirectory, Uri? centralUrl)
    {
        var gates = GatesOf(id);
        var config = new
        {
            Edge = new
            {
                EdgeId = id,
                DataDirectory = dataDirectory,
                ScansPerSecondPerDevice = 1_000_000,
                Gates = gates.Select((g, i) => new { Id = g, Name = $"{id} gate {i + 1}", Zone = "hall" }),
                Central = new
                {
                    Url = centralUrl?.ToString() ?? "",
                    RetryMin = "00:00:00.050",
                    RetryMax = "00:00:00.500",
                    ChangesWait = "00:00:05",
                    StatusEvery = "00:00:01",
                    RequestTimeout = "00:00:05",
                },
            },
            Logging = LiveVenue.Logging(),
        };
        var path = directory.File($"{id}.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config, LiveVenue.Indented));
        return path;
    }

    /// <summary>The <c>sync</c> part of the edge's <c>/healthz</c>.</summary>
    public async Task<JsonElement> SyncStatusAsync() => (await Process.HealthAsync()).GetProperty("sync");

    /// <summary>The journal as it is on disk (read through its own connection).</summary>
    public IReadOnlyList<JournalEntry> Journal() => [.. SqliteCheckInJournal.ReadAll(Path.Combine(DataDirectory, "journal.db"))];

    /// <summary>Scans one badge and fails unless the edge answers the given reason (admitted, already_inside...).</summary>
    public async Task<HttpAnswer> ScanExpectingAsync(string gate, Badge badge, string direction, string reason)
    {
        var answer = await Scanner.ScanAsync(gate, badge.Token, direction);
        Assert.True(answer.Status == HttpStatusCode.OK && answer.Reason == reason,
            $"{direction} of {badge.AttendeeId} at {Id}/{gate}: expected {reason}, got {answer}");
        return answer;
    }

    public async Task StopAsync() => await Process.KillAsync();

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Process.DisposeAsync();
        await Proxy.DisposeAsync();
    }
}
