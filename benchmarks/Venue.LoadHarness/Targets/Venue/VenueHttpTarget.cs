using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Venue.Domain.Devices;
using Venue.Edge;
using Venue.LoadHarness.Load;

namespace Venue.LoadHarness.Targets.Venue;

/// <summary>
/// Venue's scanner round trip: <c>POST /v1/gates/{gateId}/scans</c> over HTTP/1.1 on loopback to the
/// real edge host (Kestrel with AddVenueEdge/MapVenueEdge, device-token auth, rate limiting), which
/// loads the ledger snapshot at start like a deployed edge. One keep-alive connection per worker.
/// The edge runs in the harness' process; its Server-Timing figures are reported alongside.
/// </summary>
internal sealed class VenueHttpTarget : ICheckInTarget
{
    private static long _nonce;
    private readonly List<string> _facts = [];
    private readonly LatencyRecorder _serverTimings = new(4_000_000);
    private VenueEvent _event = null!;
    private TargetSetup _setup = null!;
    private WebApplication? _app;
    private HttpClient? _client;
    private string[] _paths = [];
    private AuthenticationHeaderValue _authorization = null!;
    private int _generation;

    public string Name => "venue-http";

    public string Description =>
        "POST /v1/gates/{gateId}/scans over HTTP/1.1 on loopback to the edge host (Kestrel, device token, JSON), answered after the journal commit";

    public IReadOnlyList<string> Facts => _facts;

    public async Task StartAsync(TargetSetup setup, CancellationToken cancellationToken)
    {
        _setup = setup;
        _event = await VenueEvent.ForAsync(setup.Ledger, setup.Gates, cancellationToken);
        _paths = _event.Gates.Select(g => $"/v1/gates/{g.Id}/scans").ToArray();
        await StartEdgeAsync(cancellationToken);
    }

    public Task<bool> CheckInAsync(int attendeeIndex, int gate, CancellationToken cancellationToken)
    {
        var nonce = Interlocked.Increment(ref _nonce).ToString(CultureInfo.InvariantCulture);
        // Tokens are base64url and nonces digits: nothing to escape.
        var body = $$"""{"token":"{{_event.Tokens[attendeeIndex]}}","direction":"entry","nonce":"{{nonce}}","scannedAt":"{{DateTimeOffset.UtcNow:O}}"}""";
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

    /// <summary>Keeps the edge's own time per scan (<c>Server-Timing: checkin;dur=0.123</c>, ms).</summary>
    private void RecordServerTiming(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Server-Timing", out var values))
        {
            return;
        }

        foreach (var value in values)
        {
            var at = value.IndexOf("dur=", StringComparison.Ordinal);
            if (at >= 0 && double.TryParse(value.AsSpan(at + 4), NumberStyles.Float, CultureInfo.InvariantCulture, out var milliseconds))
            {
                _serverTimings.Record((long)(milliseconds * System.Diagnostics.Stopwatch.Frequency / 1000));
            }
        }
    }

    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        _serverTimings.Clear();
        await StopEdgeAsync();
        await StartEdgeAsync(cancellationToken);
    }

    public Task<TargetTally> TallyAsync(string phase, CancellationToken cancellationToken)
    {
        var server = _serverTimings.Summarize();
        _serverTimings.Clear();
        _facts.Add($"{phase}: Server-Timing p50 {server.P50:N0} µs, p99 {server.P99:N0} µs, max {server.Max:N0} µs");
        return Task.FromResult(VenueJournal.Tally(Path.Combine(DataDirectory, "journal.db")));
    }

    private string DataDirectory => Path.Combine(_setup.WorkDirectory, $"edge-{_generation}");

    /// <summary>A fresh edge host in a fresh data directory, on a new port, with a new scanner credential.</summary>
    private async Task StartEdgeAsync(CancellationToken cancellationToken)
    {
        _generation++;
        var settings = new Dictionary<string, string?>
        {
            ["Edge:EdgeId"] = "harness-edge",
            ["Edge:DataDirectory"] = DataDirectory,
            ["Edge:LedgerPath"] = _event.SnapshotPath,
            // The harness is one client sending for every gate: lift the per-device limit (its maximum).
            ["Edge:ScansPerSecondPerDevice"] = "1000000",
        };
        for (var i = 0; i < _event.Gates.Count; i++)
        {
            settings[$"Edge:Gates:{i}:Id"] = _event.Gates[i].Id;
            settings[$"Edge:Gates:{i}:Name"] = _event.Gates[i].Name;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddVenueEdge();
        var app = builder.Build();
        app.MapVenueEdge();
        await app.StartAsync(cancellationToken);
        _app = app;
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var (_, token) = await app.Services.GetRequiredService<IDeviceCredentialStore>()
            .CreateAsync("load-harness", DeviceRole.Scanner, cancellationToken);
        _authorization = new AuthenticationHeaderValue("Bearer", token);
        _client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = _setup.Concurrency,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(60),
        };
        if (_generation == 1)
        {
            _facts.Add($"edge host on {address} (in the harness process), ledger snapshot loaded at start");
        }
    }

    private async Task StopEdgeAsync()
    {
        _client?.Dispose();
        _client = null;
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    public async ValueTask DisposeAsync() => await StopEdgeAsync();
}
