using System.Net.Http.Headers;
using Venue.Domain.Devices;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Simulation;
using Venue.Storage.Sqlite;

namespace Venue.TelemetryBench.Floor;

/// <summary>
/// The floor's edge behind real Kestrel (<see cref="EdgeWebHost"/>: the edge's own endpoints,
/// authentication and middleware), a <c>Reader</c> device credential per reader named after it, and
/// one HTTP client whose connections are opened before any clock starts, as the MQTT path connects
/// its publishers before its clock.
/// </summary>
internal sealed class HttpEdge : IAsyncDisposable
{
    private readonly EdgeWebHost _host;
    private readonly string[] _readers;
    private readonly string[] _tokens;
    private readonly HttpClient _http;

    private HttpEdge(EdgeWebHost host, string[] readers, string[] tokens, HttpClient http)
    {
        _host = host;
        _readers = readers;
        _tokens = tokens;
        _http = http;
    }

    public Edge.Silo.EdgeSilo Silo => _host.Silo;

    /// <summary>Starts the edge with everybody admitted, and opens <paramref name="connections"/> keep-alive connections to it.</summary>
    public static async Task<HttpEdge> StartAsync(BenchFloor floor, string directory, int connections, CancellationToken cancellationToken)
    {
        await BenchEdge.WriteLayoutAsync(floor, directory);
        var ledgerPath = Path.Combine(directory, "ledger.jsonl");
        using (var key = TicketSigningKey.Create("bench"))
        await using (var file = File.Create(ledgerPath))
        {
            var header = new LedgerHeader(LedgerSnapshot.Format, "telemetry-bench", "Telemetry bench", 1, DateTimeOffset.UtcNow,
                [new LedgerKey("bench", Convert.ToBase64String(key.ExportPublicKey()))], [new LedgerTicketType("general", false, null)], []);
            await LedgerSnapshot.WriteAsync(file, header, Array.Empty<LedgerAttendee>(), cancellationToken);
        }

        var tokens = new string[floor.Readers.Length];
        var devices = new SqliteDeviceCredentialStore(Path.Combine(directory, "devices.db"), TimeProvider.System);
        for (var r = 0; r < tokens.Length; r++)
        {
            tokens[r] = (await devices.CreateAsync(floor.Readers[r], DeviceRole.Reader, cancellationToken)).Token;
        }

        var options = BenchEdge.Options(floor, directory);
        var host = await EdgeWebHost.StartAsync(options.EdgeId, directory, ledgerPath, options.Gates, scansPerSecondPerDevice: 1_000_000,
            new Dictionary<string, string?> { ["Edge:LayoutPath"] = options.LayoutPath }, cancellationToken);
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(60) };
        try
        {
            await BenchEdge.AdmitAsync(host.Silo, floor);
            // As many requests at once as the readers will have in flight: each needs a connection of its own.
            await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
            {
                using var response = await http.GetAsync("/healthz", cancellationToken);
                response.EnsureSuccessStatusCode();
            }));
        }
        catch
        {
            http.Dispose();
            await host.DisposeAsync();
            throw;
        }

        return new HttpEdge(host, floor.Readers, tokens, http);
    }

    /// <summary>Posts reader <paramref name="reader"/>'s Zebra JSON payload; false when the edge did not answer 200.</summary>
    public async Task<bool> PostAsync(int reader, byte[] payload, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/readers/{_readers[reader]}/reads") { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tokens[reader]);
        using var response = await _http.SendAsync(request, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _host.DisposeAsync();
    }
}
