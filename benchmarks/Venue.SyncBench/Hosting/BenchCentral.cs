using System.Net;
using System.Net.Http.Headers;
using Venue.Central.Silo;
using Venue.Central.Tickets;
using Venue.Domain.Central;
using Venue.Domain.Devices;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Simulation;

namespace Venue.SyncBench.Hosting;

/// <summary>
/// A central for one measurement: its own signing key, a fresh store (a new PostgreSQL database, or
/// SQLite in a new directory), and the real host (<see cref="CentralWebHost"/>: Kestrel, health and the
/// sync API) on a loopback port.
/// </summary>
internal sealed class BenchCentral : IAsyncDisposable
{
    public const string EventId = "sync-bench";

    public static readonly IReadOnlyList<TicketType> TicketTypes = [new("general", Reentry: true, Gates: null)];

    private readonly List<HttpClient> _clients = [];

    private readonly IAsyncDisposable _host;
    private readonly Func<CentralSilo> _silo;

    private BenchCentral(string store, IAsyncDisposable host, Uri address, Func<CentralSilo> silo, string? postgres)
    {
        Store = store;
        _host = host;
        Address = address;
        _silo = silo;
        PostgresConnectionString = postgres;
    }

    /// <summary>"postgres" or "sqlite".</summary>
    public string Store { get; }

    public CentralSilo Silo => _silo();

    public Uri Address { get; }

    /// <summary>Which composition serves this central, for the report.</summary>
    public string HostName { get; private init; } = nameof(CentralWebHost);

    /// <summary>The database central runs on, when it is PostgreSQL (for the peers that read it directly).</summary>
    public string? PostgresConnectionString { get; }

    public static async Task<BenchCentral> StartAsync(BenchEnvironment environment, string store, string name,
        IReadOnlyDictionary<string, string?>? more = null, CancellationToken cancellationToken = default)
    {
        var (options, postgres) = await OptionsAsync(environment, store, name, cancellationToken);
        var host = await CentralWebHost.StartAsync(options.EventId, options.DataDirectory, options.SigningKeyPath, TicketTypes, postgres, more,
            environment.Logging, cancellationToken);
        return new BenchCentral(store, host, host.Address, () => host.Silo, postgres);
    }

    /// <summary>A central whose integrator API (the check-in export) the bench calls: the same host, which maps it.</summary>
    public static Task<BenchCentral> StartWithIntegratorAsync(BenchEnvironment environment, string store, string name,
        CancellationToken cancellationToken = default) => StartAsync(environment, store, name, cancellationToken: cancellationToken);

    /// <summary>
    /// Central's options over a fresh store and a new signing key, for a measurement that opens the
    /// store or the silo itself rather than the whole host.
    /// </summary>
    public static async Task<(CentralOptions Options, string? Postgres)> OptionsAsync(BenchEnvironment environment, string store, string name,
        CancellationToken cancellationToken)
    {
        var directory = environment.NewDirectory($"{name}-{store}");
        var keyPath = Path.Combine(directory, "k1.private.pem");
        using (var key = TicketSigningKey.Create("k1"))
        {
            await File.WriteAllTextAsync(keyPath, key.ExportPrivatePem(), cancellationToken);
        }

        var postgres = store == SyncBenchOptions.Postgres ? await environment.NewPostgresDatabaseAsync(name, cancellationToken) : null;
        var options = new CentralOptions
        {
            EventId = EventId,
            DataDirectory = Path.Combine(directory, "central"),
            SigningKeyPath = keyPath,
            PostgresConnectionString = postgres,
            TicketTypes = [.. TicketTypes.Select(t => new TicketTypeOptions { Name = t.Name, Reentry = t.Reentry })],
        };
        return (options, postgres);
    }

    /// <summary>Registers an edge and returns the device token it syncs with.</summary>
    public async Task<string> AddEdgeAsync(string edgeId, CancellationToken cancellationToken = default)
    {
        var (_, token) = await Silo.Store.Devices.CreateAsync(edgeId, DeviceRole.Edge, cancellationToken);
        return token;
    }

    /// <summary>
    /// Registers <paramref name="count"/> attendees with real signed badges, in transactions of 10,000,
    /// and wakes edges waiting for ledger changes. Set-up, not measured: badges are signed in parallel
    /// and written through the store as the registry writes them.
    /// </summary>
    public async Task<IReadOnlyList<BenchAttendee>> RegisterAsync(int count, string idPrefix, CancellationToken cancellationToken = default)
    {
        const int Chunk = 10_000;
        using var issuer = new BadgeIssuer(Silo.Event.EventId, Silo.Event.SigningKey);
        var attendees = new List<BenchAttendee>(count);
        var now = Silo.Time.GetUtcNow();
        for (var start = 0; start < count; start += Chunk)
        {
            var ids = Enumerable.Range(start, Math.Min(Chunk, count - start)).Select(i => $"{idPrefix}{i:D7}").ToList();
            var tokens = issuer.IssueMany([.. ids.Select(id => issuer.ClaimsFor(id, TicketTypes[0].Name, null, null))], cancellationToken);
            var rows = ids.Select((id, i) => new RegisteredAttendee(id, $"Attendee {id}", $"{id.ToLowerInvariant()}@example.org", "Example Ltd",
                TicketTypes[0].Name, null, null, AttendeeStatus.Active, null, tokens[i], TokenHash.Of(tokens[i]))).ToList();
            var stored = await Silo.Store.UpsertAttendeesAsync(rows, [], now, cancellationToken: cancellationToken);
            Silo.LedgerChanged(stored.Max(a => a.Version));
            attendees.AddRange(ids.Select((id, i) => new BenchAttendee(id, tokens[i])));
        }

        return attendees;
    }

    /// <summary>An HTTP client to central with a bearer token (an edge's device token or an API key), disposed with central.</summary>
    public HttpClient Client(string bearer, TimeSpan? timeout = null)
    {
        var client = new HttpClient(new SocketsHttpHandler(), disposeHandler: true)
        {
            BaseAddress = Address,
            Timeout = timeout ?? TimeSpan.FromMinutes(5),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await _host.DisposeAsync();
    }
}

/// <summary>A registered attendee and the badge token a scanner reads.</summary>
internal sealed record BenchAttendee(string Id, string Token);
