using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Venue.Domain.Devices;
using Venue.Domain.Tickets;
using Venue.Edge.Silo;
using Venue.OpsConsole.Feed;
using Venue.OpsConsole.Model;
using Venue.Simulation;

namespace Venue.Console.Tests.Infrastructure;

/// <summary>
/// A real edge (the whole edge composition behind Kestrel on loopback) on a generated event, with an
/// ops token for the console and a scanner token to drive scans through the scanner API.
/// </summary>
public sealed class ConsoleEdge : IAsyncDisposable
{
    private readonly TempDirectory _directory;
    private readonly IReadOnlyList<GeneratedBadge> _badges;
    private readonly IReadOnlyList<Domain.Gates.GateDefinition> _gates;
    private readonly IReadOnlyDictionary<string, string?>? _settings;
    private EdgeWebHost _host;
    private int _nextBadge;

    private ConsoleEdge(TempDirectory directory, EdgeWebHost host, GeneratedEvent generated, IReadOnlyDictionary<string, string?>? settings,
        string opsToken, string scannerToken)
    {
        _directory = directory;
        _host = host;
        _gates = generated.Gates;
        _settings = settings;
        _badges = [.. generated.Badges.Where(b => b.ValidToday && b.Status == Domain.Ledger.AttendeeStatus.Active)];
        OpsToken = opsToken;
        ScannerToken = scannerToken;
        Http = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
        Scanner = new ScannerClient(Http, scannerToken);
    }

    public Uri Address => _host.Address;

    public HttpClient Http { get; private set; }

    public ScannerClient Scanner { get; private set; }

    public string OpsToken { get; }

    public string ScannerToken { get; }

    public EdgeSilo Silo => _host.Silo;

    public IServiceProvider Services => _host.Services;

    public LiveFeed Feed => Services.GetRequiredService<LiveFeed>();

    public ConsoleModel Model => Services.GetRequiredService<ConsoleModel>();

    public static async Task<ConsoleEdge> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, int attendees = 400)
    {
        var directory = new TempDirectory();
        try
        {
            GeneratedEvent generated;
            using (var key = TicketSigningKey.Create("k1"))
            {
                generated = EventGenerator.Generate(new EventSpec("console-test", attendees, 2, 7, DateTimeOffset.UtcNow.AddHours(-1), RevokedShare: 0, NextDayShare: 0), key);
            }

            await EventGenerator.WriteLedgerAsync(generated, directory.File("ledger.jsonl"));
            var host = await StartHostAsync(directory, generated.Gates, settings);
            var devices = host.Services.GetRequiredService<IDeviceCredentialStore>();
            var (_, ops) = await devices.CreateAsync("ops desk", DeviceRole.Ops);
            var (_, scanner) = await devices.CreateAsync("lane 1", DeviceRole.Scanner);
            return new ConsoleEdge(directory, host, generated, settings, ops, scanner);
        }
        catch
        {
            directory.Dispose();
            throw;
        }
    }

    private static Task<EdgeWebHost> StartHostAsync(TempDirectory directory, IReadOnlyList<Domain.Gates.GateDefinition> gates,
        IReadOnlyDictionary<string, string?>? settings) =>
        EdgeWebHost.StartAsync("north", directory.File("edge"), directory.File("ledger.jsonl"), gates, 100_000, settings);

    /// <summary>The edge's data directory.</summary>
    public string DataDirectory => _directory.File("edge");

    /// <summary>Stops the edge and starts a new one on the same data directory, as a restarted process would (a new port, a new <see cref="Http"/>).</summary>
    public async Task RestartAsync()
    {
        Http.Dispose();
        await _host.DisposeAsync();
        _host = await StartHostAsync(_directory, _gates, _settings);
        Http = new HttpClient { BaseAddress = _host.Address, Timeout = TimeSpan.FromSeconds(30) };
        Scanner = new ScannerClient(Http, ScannerToken);
    }

    /// <summary>A badge nobody has shown yet, so its scan is admitted.</summary>
    public GeneratedBadge NextBadge() => _badges[Interlocked.Increment(ref _nextBadge) - 1];

    /// <summary>Admits a new attendee at a gate through the scanner API, as a scanner would.</summary>
    public async Task<HttpAnswer> AdmitAsync(string gateId = "G01")
    {
        var answer = await Scanner.ScanAsync(gateId, NextBadge().Token);
        Assert.True(answer.Status == HttpStatusCode.OK && answer.Result == "admitted", $"scan at {gateId}: {answer}");
        return answer;
    }

    /// <summary>An HTTP client sending the ops token as a bearer (as tools do).</summary>
    public HttpClient OpsClient() => new() { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30), DefaultRequestHeaders = { { "Authorization", $"Bearer {OpsToken}" } } };

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _host.DisposeAsync();
        _directory.Dispose();
    }
}
