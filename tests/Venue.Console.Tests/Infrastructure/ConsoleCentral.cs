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

    public string OpsToken { get; }

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
    public async Task UploadAdmissionAsync(string edgeId, string gateId, string attendeeId)
    {
        var sequence = _sequences[edgeId] = _sequences.GetValueOrDefault(edgeId) + 1;
        var now = DateTimeOffset.UtcNow;
        var entry = new JournalEntry(gateId, attendeeId, ScanDirection.Entry, ScanReason.Admitted, $"n-{edgeId}-{sequence}", now, now)
        {
            Sequence = sequence,
            Hlc = _clock.Now(),
            TicketType = "general",
        };
        await Silo.IngestAsync(edgeId, [entry]);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        _directory.Dispose();
    }
}
