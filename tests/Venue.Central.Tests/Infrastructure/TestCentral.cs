using System.Net.Http.Headers;
using System.Net.Http.Json;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Domain.Ledger;
using Venue.Domain.Sync;
using Venue.Domain.Tickets;
using Venue.Simulation;

namespace Venue.Central.Tests.Infrastructure;

/// <summary>
/// A real central on Kestrel (loopback, temp directory, embedded SQLite unless a PostgreSQL
/// connection string is given), with helpers to register attendees and speak venue-sync/1 as edges.
/// </summary>
public sealed class TestCentral : IAsyncDisposable
{
    public static readonly IReadOnlyList<TicketType> TicketTypes =
    [
        new("general", Reentry: true, Gates: null),
        new("day-pass", Reentry: false, Gates: null),
    ];

    private readonly TempDirectory _directory;
    private readonly IReadOnlyDictionary<string, string?>? _more;
    private readonly List<HttpClient> _clients = [];

    private TestCentral(TempDirectory directory, CentralWebHost host, IReadOnlyDictionary<string, string?>? more)
    {
        _directory = directory;
        _more = more;
        Host = host;
    }

    public CentralWebHost Host { get; private set; }

    public Silo.CentralSilo Silo => Host.Silo;

    public string DataDirectory => _directory.File("central");

    public static async Task<TestCentral> StartAsync(string? postgres = null, IReadOnlyDictionary<string, string?>? more = null)
    {
        var directory = new TempDirectory();
        using (var key = TicketSigningKey.Create("k1"))
        {
            await File.WriteAllTextAsync(directory.File("k1.private.pem"), key.ExportPrivatePem());
        }

        var host = await CentralWebHost.StartAsync("test-event", directory.File("central"), directory.File("k1.private.pem"), TicketTypes, postgres, more);
        return new TestCentral(directory, host, more);
    }

    /// <summary>Stops central and starts it again on the same data and settings: what a restart does.</summary>
    public async Task RestartAsync(string? postgres = null)
    {
        await Host.DisposeAsync();
        Host = await CentralWebHost.StartAsync("test-event", DataDirectory, _directory.File("k1.private.pem"), TicketTypes, postgres, _more);
    }

    /// <summary>An HTTP client authenticated as the edge (registered on first use).</summary>
    public async Task<HttpClient> EdgeClientAsync(string edgeId)
    {
        var token = await Host.AddEdgeAsync(edgeId);
        return Client(token);
    }

    public HttpClient Client(string? bearer)
    {
        var client = new HttpClient { BaseAddress = Host.Address, Timeout = TimeSpan.FromSeconds(30) };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        _clients.Add(client);
        return client;
    }

    /// <summary>Registers attendees a0..a{count-1} with real badges and tells waiting edges.</summary>
    public async Task<IReadOnlyList<RegisteredAttendee>> RegisterAsync(int count, string ticketType = "general")
    {
        var now = DateTimeOffset.UtcNow;
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            var id = $"a{i}";
            var token = Silo.Event.SigningKey.Issue(new BadgeClaims(Silo.Event.SigningKey.KeyId, Silo.Event.EventId, id, ticketType, 0, 0));
            return new RegisteredAttendee(id, $"Attendee {i}", null, null, ticketType, null, null, AttendeeStatus.Active, null, token, TokenHash.Of(token));
        }).ToList();
        var stored = await Silo.Store.UpsertAttendeesAsync(rows, [], now);
        Silo.LedgerChanged(stored.Max(a => a.Version));
        return stored;
    }

    public static JournalEntryWire Entry(long seq, string attendee, ScanReason reason, long hlc, string gate = "G01") => new JournalEntry(
        gate, attendee, reason == ScanReason.Exited ? ScanDirection.Exit : ScanDirection.Entry, reason, $"n{seq}",
        HybridLogicalClock.ToTime(hlc), HybridLogicalClock.ToTime(hlc)) { Sequence = seq, Hlc = hlc, TicketType = "general" }.ToWire();

    /// <summary>A hybrid logical clock value for now plus an offset, as an edge would stamp it.</summary>
    public static long Hlc(double secondsFromNow = 0, int counter = 0) =>
        (DateTimeOffset.UtcNow.AddSeconds(secondsFromNow).ToUnixTimeMilliseconds() << 16) + counter;

    public static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string edgeId, params JournalEntryWire[] entries) =>
        await client.PostAsJsonAsync("/v1/sync/journal", new JournalBatchWire(edgeId, entries), SyncJsonContext.Default.JournalBatchWire);

    public static async Task<JournalReceiptWire> UploadOkAsync(HttpClient client, string edgeId, params JournalEntryWire[] entries)
    {
        using var response = await UploadAsync(client, edgeId, entries);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"upload answered {(int)response.StatusCode}: {text}");
        return System.Text.Json.JsonSerializer.Deserialize(text, SyncJsonContext.Default.JournalReceiptWire)!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await Host.DisposeAsync();
        _directory.Dispose();
    }
}
