using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Venue.Domain.Devices;
using Venue.Domain.Gates;
using Venue.Edge.Silo;

namespace Venue.Edge.Tests.Infrastructure;

/// <summary>What an in-process test edge serves and how it is limited.</summary>
public sealed record EdgeSetup(string DataDirectory, string LedgerPath, IReadOnlyList<GateDefinition> Gates)
{
    public string EdgeId { get; init; } = "test-edge";

    public int ScansPerSecondPerDevice { get; init; } = 100_000;

    public int? MaxScanBodyBytes { get; init; }

    /// <summary>A venue layout file (Edge:LayoutPath): with it the edge keeps crowd telemetry.</summary>
    public string? LayoutPath { get; init; }

    /// <summary>Further configuration keys (e.g. <c>Edge:Readers:MaxBodyBytes</c>), applied last.</summary>
    public IReadOnlyDictionary<string, string?>? Settings { get; init; }
}

/// <summary>
/// The real edge composition (<see cref="EdgeHostExtensions.AddVenueEdge"/> and
/// <see cref="EdgeHostExtensions.MapVenueEdge"/>) behind real Kestrel on a loopback port, with
/// access to its services so a test can reach the same credential store instance the edge uses.
/// </summary>
public sealed class TestEdge : IAsyncDisposable
{
    private readonly WebApplication _app;
    private bool _stopped;

    private TestEdge(WebApplication app, Uri address, ShiftableTime time, string scannerToken)
    {
        _app = app;
        Address = address;
        Time = time;
        ScannerToken = scannerToken;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public ShiftableTime Time { get; }

    /// <summary>A scanner credential registered at start.</summary>
    public string ScannerToken { get; }

    public EdgeSilo Silo => _app.Services.GetRequiredService<EdgeSiloService>().Silo;

    /// <summary>The credential store instance the edge authenticates against.</summary>
    public IDeviceCredentialStore Devices => _app.Services.GetRequiredService<IDeviceCredentialStore>();

    public ScannerClient Scanner(string? token = null) => new(Http, token ?? ScannerToken);

    public static async Task<TestEdge> StartAsync(EdgeSetup setup, ShiftableTime? time = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Edge:EdgeId"] = setup.EdgeId,
            ["Edge:DataDirectory"] = setup.DataDirectory,
            ["Edge:LedgerPath"] = setup.LedgerPath,
            ["Edge:ScansPerSecondPerDevice"] = setup.ScansPerSecondPerDevice.ToString(CultureInfo.InvariantCulture),
        };
        if (setup.MaxScanBodyBytes is { } max)
        {
            settings["Edge:MaxScanBodyBytes"] = max.ToString(CultureInfo.InvariantCulture);
        }

        if (setup.LayoutPath is { } layout)
        {
            settings["Edge:LayoutPath"] = layout;
        }

        for (var i = 0; i < setup.Gates.Count; i++)
        {
            var g = setup.Gates[i];
            settings[$"Edge:Gates:{i}:Id"] = g.Id;
            settings[$"Edge:Gates:{i}:Name"] = g.Name;
            settings[$"Edge:Gates:{i}:Zone"] = g.Zone;
            settings[$"Edge:Gates:{i}:OpensAt"] = g.OpensAt?.ToString("O", CultureInfo.InvariantCulture);
            settings[$"Edge:Gates:{i}:ClosesAt"] = g.ClosesAt?.ToString("O", CultureInfo.InvariantCulture);
            for (var j = 0; j < (g.AllowedTicketTypes?.Count ?? 0); j++)
            {
                settings[$"Edge:Gates:{i}:AllowedTicketTypes:{j}"] = g.AllowedTicketTypes![j];
            }
        }

        foreach (var (key, value) in setup.Settings ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        time ??= new ShiftableTime();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton<TimeProvider>(time);
        builder.AddVenueEdge();
        var app = builder.Build();
        app.MapVenueEdge();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var (_, token) = await app.Services.GetRequiredService<IDeviceCredentialStore>().CreateAsync("test scanner", DeviceRole.Scanner);
        return new TestEdge(app, address, time, token);
    }

    /// <summary>Stops the server and the silo (flushing and closing the journal).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public ValueTask DisposeAsync() => new(StopAsync());
}
