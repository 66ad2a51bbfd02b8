using System.Globalization;
using Venue.Domain.Central;
using Venue.Domain.Devices;
using Venue.Domain.Tickets;
using Venue.Simulation.Network;
using Venue.Storage.Sqlite;

namespace Venue.Simulation;

/// <summary>
/// The venue a simulation runs against, all in this process on embedded storage: central behind
/// Kestrel, its attendees registered, and one edge per <see cref="EdgeTopology"/> edge behind Kestrel,
/// each reaching central only through a <see cref="FaultProxy"/> of its own, so cutting one edge off
/// is a real network failure for it and for nobody else.
/// </summary>
public sealed class SimulatedVenue : IAsyncDisposable
{
    public const string EventId = "demo";

    /// <summary>Attendees written per transaction when registering at central.</summary>
    private const int RegistrationPage = 5_000;

    private int _disposed;

    private SimulatedVenue(CentralWebHost central, IReadOnlyList<SimulatedEdge> edges, TimeSpan registration)
    {
        Central = central;
        Edges = edges;
        Registration = registration;
    }

    public CentralWebHost Central { get; }

    public IReadOnlyList<SimulatedEdge> Edges { get; }

    /// <summary>How long registering every attendee at central took.</summary>
    public TimeSpan Registration { get; }

    public SimulatedEdge Edge(string edgeId) => Edges.Single(e => e.EdgeId == edgeId);

    /// <summary>
    /// Starts central on <paramref name="dataDirectory"/>/central with the event's signing key,
    /// registers every generated attendee there, then starts the edges, which download their ledger
    /// from central through their proxies. <paramref name="lateAfter"/> is central's threshold for
    /// marking an upload late.
    /// </summary>
    public static async Task<SimulatedVenue> StartAsync(GeneratedEvent generated, TicketSigningKey key, EdgeTopology layout, string dataDirectory,
        TimeSpan lateAfter, Action<string>? say = null, CancellationToken cancellationToken = default, FloorSetup? floor = null)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(layout);
        Directory.CreateDirectory(dataDirectory);
        var keyPath = Path.Combine(dataDirectory, $"{key.KeyId}.private.pem");
        await File.WriteAllTextAsync(keyPath, key.ExportPrivatePem(), cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        say?.Invoke("Starting central");
        var central = await CentralWebHost.StartAsync(EventId, Path.Combine(dataDirectory, "central"), keyPath, EventGenerator.TicketTypes,
            more: new Dictionary<string, string?> { ["Central:LateAfter"] = lateAfter.ToString("c", CultureInfo.InvariantCulture) },
            cancellationToken: cancellationToken);
        var edges = new List<SimulatedEdge>();
        try
        {
            say?.Invoke($"Registering {generated.Badges.Count:N0} attendees at central");
            var registration = await RegisterAsync(central, generated, cancellationToken);

            say?.Invoke($"Starting {layout.Edges.Count} edge{(layout.Edges.Count == 1 ? "" : "s")} ({string.Join(", ", layout.Edges)}): ledger from central");
            var starting = layout.Edges.Select(e => StartEdgeAsync(central, e, layout.Gates[e], Path.Combine(dataDirectory, "edges", e), floor, cancellationToken)).ToList();
            try
            {
                await Task.WhenAll(starting);
            }
            finally
            {
                // Whatever started is disposed with the venue, even when a sibling failed to.
                edges.AddRange(starting.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result));
            }

            return new SimulatedVenue(central, edges, registration);
        }
        catch
        {
            await DisposeAsync(central, edges);
            throw;
        }
    }

    /// <summary>
    /// Writes the generated attendees, with their real tokens, straight into central's store (the
    /// simulator is trusted: no API round trip per page), then wakes edges waiting for ledger changes.
    /// </summary>
    private static async Task<TimeSpan> RegisterAsync(CentralWebHost central, GeneratedEvent generated, CancellationToken cancellationToken)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var store = central.Silo.Store;
        var now = central.Silo.Time.GetUtcNow();
        long version = 0;
        foreach (var page in generated.Badges.Chunk(RegistrationPage))
        {
            var rows = page.Select(b =>
            {
                // Validity as the generator signed it into the badge, so central's ledger and the badges agree.
                var record = generated.Ledger.TryGet(b.AttendeeId, out var r) ? r : throw new InvalidOperationException($"{b.AttendeeId} is not in the generated ledger.");
                return new RegisteredAttendee(b.AttendeeId, b.Name, null, null, b.TicketType,
                    DateTimeOffset.FromUnixTimeSeconds(record.ValidFromUnix), DateTimeOffset.FromUnixTimeSeconds(record.ValidUntilUnix),
                    b.Status, null, b.Token, TokenHash.Of(b.Token));
            }).ToList();
            var stored = await store.UpsertAttendeesAsync(rows, [], now, cancellationToken: cancellationToken);
            version = Math.Max(version, stored.Count > 0 ? stored.Max(a => a.Version) : 0);
        }

        central.Silo.LedgerChanged(version);
        return clock.Elapsed;
    }

    private static async Task<SimulatedEdge> StartEdgeAsync(CentralWebHost central, string edgeId, IReadOnlyList<Domain.Gates.GateDefinition> gates,
        string directory, FloorSetup? floor, CancellationToken cancellationToken)
    {
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new InvalidOperationException($"{directory} already holds an edge's data; give an empty or new --data-dir.");
        }

        var devices = new SqliteDeviceCredentialStore(Path.Combine(directory, "devices.db"), TimeProvider.System);
        var scannerTokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var gate in gates)
        {
            scannerTokens[gate.Id] = (await devices.CreateAsync($"scanner {gate.Id}", DeviceRole.Scanner, cancellationToken)).Token;
        }

        var deskToken = (await devices.CreateAsync("challenge desk", DeviceRole.Scanner, cancellationToken)).Token;
        var opsToken = (await devices.CreateAsync("ops console", DeviceRole.Ops, cancellationToken)).Token;
        var settings = new Dictionary<string, string?>();
        var venueLayout = floor?.LayoutFor(edgeId);
        // Each booth's app has a credential of its own: it captures that booth's leads only.
        var boothTokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var booth in venueLayout?.Booths ?? [])
        {
            boothTokens[booth.Id] = (await devices.CreateAsync(Venue.Edge.Telemetry.BoothApps.CredentialName(booth.Id), DeviceRole.Scanner, cancellationToken)).Token;
        }

        if (venueLayout is not null)
        {
            var layoutPath = Path.Combine(directory, "venue-layout.json");
            await File.WriteAllTextAsync(layoutPath, Crowd.CrowdLayout.ToJson(venueLayout), cancellationToken);
            settings["Edge:LayoutPath"] = layoutPath;
            if (floor!.RabbitMq is { } broker)
            {
                var user = Uri.UnescapeDataString(broker.UserInfo.Split(':')[0]);
                settings["Edge:Readers:UseRabbitMq"] = "true";
                settings["Edge:Readers:RabbitMq:HostName"] = broker.Host;
                settings["Edge:Readers:RabbitMq:Port"] = (broker.IsDefaultPort ? 5672 : broker.Port).ToString(CultureInfo.InvariantCulture);
                settings["Edge:Readers:RabbitMq:UserName"] = user;
                settings["Edge:Readers:RabbitMq:Password"] = broker.UserInfo.Contains(':', StringComparison.Ordinal) ? Uri.UnescapeDataString(broker.UserInfo[(broker.UserInfo.IndexOf(':', StringComparison.Ordinal) + 1)..]) : "";
                // This edge's readers only: every edge has its own queue on the one broker.
                var readers = venueLayout.Portals.Select(p => p.ReaderId).Distinct(StringComparer.Ordinal).ToList();
                for (var i = 0; i < readers.Count; i++)
                {
                    settings[$"Edge:Readers:RabbitMq:BindingPatterns:{i}"] = $"zebra.{readers[i]}.data";
                }
            }
        }

        var edgeToken = await central.AddEdgeAsync(edgeId, cancellationToken);
        var proxy = FaultProxy.Start(central.Address);
        try
        {
            var host = await EdgeWebHost.StartAsync(edgeId, directory, ledgerPath: null, gates, scansPerSecondPerDevice: 100_000, new Dictionary<string, string?>(settings)
            {
                ["Edge:Central:Url"] = proxy.Address.ToString(),
                ["Edge:Central:Token"] = edgeToken,
                // Retry a lost link within half a second (the default backs off to 10 s): in a rush
                // compressed to seconds, a real edge's minutes of backoff would be most of the morning.
                ["Edge:Central:RetryMin"] = "00:00:00.100",
                ["Edge:Central:RetryMax"] = "00:00:00.500",
                ["Edge:Central:StatusEvery"] = "00:00:01",
                // The crowd's day (hours of read times) is played in seconds, so its reads are stamped
                // ahead of the edge's clock by design; a real reader's would not be.
                ["Edge:Readers:MaxClockAhead"] = "1.00:00:00",
            }, cancellationToken);
            return new SimulatedEdge(edgeId, host, proxy, gates, scannerTokens, directory, deskToken, boothTokens, opsToken, venueLayout);
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    /// <summary>Stops the edges (their uplinks first), then central. Safe to call more than once.</summary>
    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 1 ? ValueTask.CompletedTask : new(DisposeAsync(Central, Edges));

    private static async Task DisposeAsync(CentralWebHost central, IEnumerable<SimulatedEdge> edges)
    {
        foreach (var edge in edges)
        {
            await edge.DisposeAsync();
        }

        await central.DisposeAsync();
    }
}

/// <summary>The floor behind each edge's gates: its venue layout, and the broker its readers publish to (null: in process).</summary>
public sealed record FloorSetup(Func<string, Domain.Layout.VenueLayout> LayoutFor, Uri? RabbitMq);
