using Venue.Central.Silo;
using Venue.Domain.CheckIn;
using Venue.Domain.Devices;
using Venue.Domain.Journal;
using Venue.Domain.Tickets;
using Venue.Simulation;

namespace Venue.Console.Tests.Infrastructure;

/// <summary>A real central (embedded SQLite, Kestrel on loopback) with an ops token, taking uploads as edges send them.</summary>
public sealed class ConsoleCentral : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly CentralWebHost _host;
    private readonly HybridLogicalClock _clock = new(TimeProvider.System);
    private readonly Dictionary<string, long> _sequences = new(StringComparer.Ordinal);

    private ConsoleCentral(TempDirectory directory, CentralWebHost host, string opsToken)
    {
        _directory = directory;
        _host = host;
        OpsToken = opsToken;
    }

    public Uri Address => _host.Address;

    public CentralSilo Silo => _host.Silo;

    public IServiceProvider Services => _host.Services;

    public string OpsToken { get; }

    /// <summary>Central's data directory.</summary>
    public string DataDirectory => _directory.File("central");

    public static async Task<ConsoleCentral> StartAsync()
    {
        var directory = new TempDirectory();
        try
        {
            using (var key = TicketSigningKey.Create("k1"))
            {
                await File.WriteAllTextAsync(directory.File("k1.private.pem"), key.ExportPrivatePem());
            }

            var host = await CentralWebHost.StartAsync("console-test", directory.File("central"), directory.File("k1.private.pem"), EventGenerator.TicketTypes);
            var (_, ops) = await host.Silo.Store.Devices.CreateAsync("ops desk", DeviceRole.Ops);
            return new ConsoleCentral(directory, host, ops);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    /// <summary>Uploads one admission from an edge, as its uplink would: the next entry of that edge's journal.</summary>
    public async Task UploadAdmissionAsync(string edgeId, string gateId, string attendeeId) =>
        await Silo.IngestAsync(edgeId, [NextAdmission(edgeId, gateId, attendeeId)]);

    /// <summary>
    /// The next admission of an edge's journal (attendee ids unique per edge and sequence). Not thread-safe:
    /// make the entries first, then upload them at once.
    /// </summary>
    public JournalEntry NextAdmission(string edgeId, string gateId, string? attendeeId = null)
    {
        var sequence = _sequences[edgeId] = _sequences.GetValueOrDefault(edgeId) + 1;
        var now = DateTimeOffset.UtcNow;
        return new JournalEntry(gateId, attendeeId ?? $"{edgeId}-a{sequence}", ScanDirection.Entry, ScanReason.Admitted, $"n-{edgeId}-{sequence}", now, now)
        {
            Sequence = sequence,
            Hlc = _clock.Now(),
            TicketType = "general",
        };
    }

    /// <summary>A client of the console's API with the ops token.</summary>
    public HttpClient OpsClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30), DefaultRequestHeaders = { { "Authorization", $"Bearer {OpsToken}" } } };

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _directory.Dispose();
    }
}
