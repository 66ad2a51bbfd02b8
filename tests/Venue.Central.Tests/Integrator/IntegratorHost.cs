using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Venue.Central.Registration;
using Venue.Central.Silo;
using Venue.Central.Webhooks;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Simulation;

namespace Venue.Central.Tests.Integrator;

/// <summary>
/// A real central with the integrator API, on Kestrel at a loopback port, over embedded SQLite in a
/// temporary directory: the central composition as 'venue central' runs it, integrator API included.
/// </summary>
internal sealed class IntegratorHost : IAsyncDisposable
{
    public static readonly IReadOnlyList<TicketType> TicketTypes =
    [
        new("general", Reentry: true, Gates: null),
        new("vip", Reentry: true, Gates: null),
        new("day-pass", Reentry: false, Gates: null),
    ];

    private readonly CentralWebHost _host;
    private readonly TempDirectory _directory;
    private readonly List<HttpClient> _clients = [];

    private IntegratorHost(CentralWebHost host, TempDirectory directory)
    {
        _host = host;
        _directory = directory;
    }

    public Uri Address => _host.Address;

    /// <summary>The test's own directory: central.db under central/, the signing key k1.private.pem.</summary>
    public TempDirectory Directory => _directory;

    public CentralSilo Silo => _host.Silo;

    public AttendeeRegistry Registry => _host.Services.GetRequiredService<AttendeeRegistry>();

    /// <summary>The webhook dispatcher the host runs (to await its attempts).</summary>
    public WebhookDispatcher Dispatcher => _host.Services.GetServices<IHostedService>().OfType<WebhookDispatcher>().Single();

    public static async Task<IntegratorHost> StartAsync(IReadOnlyDictionary<string, string?>? more = null)
    {
        var directory = new TempDirectory();
        try
        {
            using (var key = TicketSigningKey.Create("k1"))
            {
                await File.WriteAllTextAsync(directory.File("k1.private.pem"), key.ExportPrivatePem());
            }

            var settings = new Dictionary<string, string?>
            {
                // Retries come quickly in tests; the schedule itself is tested on its own.
                ["Central:Webhooks:InitialBackoff"] = "00:00:00.050",
                ["Central:Webhooks:MaxBackoff"] = "00:00:00.200",
                ["Central:Webhooks:PollInterval"] = "00:00:01",
                // Test receivers listen on loopback.
                ["Central:Webhooks:AllowPrivateAddresses"] = "true",
            };
            foreach (var (key, value) in more ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }

            var host = await CentralWebHost.StartAsync("test-event", directory.File("central"), directory.File("k1.private.pem"), TicketTypes, more: settings);
            return new IntegratorHost(host, directory);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>An API key with these scopes, made the way 'venue keys api create' makes one.</summary>
    public async Task<string> CreateKeyAsync(int requestsPerMinute, params string[] scopes)
    {
        var (_, token) = await Silo.Store.CreateApiKeyAsync("test integrator", scopes, requestsPerMinute, DateTimeOffset.UtcNow);
        return token;
    }

    public Task<string> CreateKeyAsync(params string[] scopes) => CreateKeyAsync(100_000, scopes);

    public HttpClient Client(string? bearer)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(60) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        try
        {
            await _host.DisposeAsync();
        }
        finally
        {
            _directory.Dispose();
        }
    }
}
