using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Venue.Domain.Devices;
using Venue.Domain.Layout;
using Venue.Edge;
using Venue.Edge.Silo;
using Venue.Storage.Sqlite;

namespace Venue.Cli.Commands;

/// <summary><c>venue edge</c>: run an edge silo; <c>venue edge devices</c>: its scanner credentials.</summary>
public static class EdgeCommand
{
    private static readonly Option<FileInfo> Config = new("--config")
    {
        Description = "Edge configuration file (see silo-config/edge.json). Environment variables VENUE_Edge__... override it.",
        DefaultValueFactory = _ => new FileInfo("silo-config/edge.json"),
    };

    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on (overrides the config's Urls), e.g. http://0.0.0.0:5080." };
        var dashboard = new Option<bool>("--dashboard") { Description = "Show a live terminal dashboard (gates, zones, alerts) instead of the log, and where the ops console is." };
        var edge = new Command("edge", "Run an edge silo: the scanner API for one gate cluster, answering from its own ledger and journal.") { Config, urls, dashboard };
        edge.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            var builder = WebApplication.CreateBuilder();
            var file = parse.GetValue(Config)!;
            ConfigFiles.Add(builder.Configuration, file);

            // Checked here rather than only by the host, which would log a failed start with a stack trace.
            IReadOnlyList<string> problems =
            [
                .. Venue.Hosting.Configuration.ConfigurationLists.Problems<Venue.Domain.Gates.GateDefinition>(builder.Configuration, $"{EdgeSiloOptions.Section}:Gates"),
                .. (builder.Configuration.GetSection(EdgeSiloOptions.Section).Get<EdgeSiloOptions>() ?? new EdgeSiloOptions()).Problems(),
                .. Venue.Hosting.ReverseProxy.ReverseProxyOptions.Problems(builder.Configuration),
                .. ConfigFiles.UnknownKeys(builder.Configuration, file, EdgeSiloOptions.Section, typeof(EdgeSiloOptions)),
            ];
            if (problems.Count > 0)
            {
                throw new InvalidDataException($"{file.FullName}: {string.Join(" ", problems)}");
            }

            if (parse.GetValue(urls) is { } listen)
            {
                ListenUrls.Check(listen, "--urls", "http://0.0.0.0:5080");
                builder.WebHost.UseUrls(listen);
            }
            else
            {
                ListenUrls.Check(builder.Configuration["Urls"], $"{file.Name}: Urls", "http://0.0.0.0:5080");
            }

            if (parse.GetValue(dashboard))
            {
                // The log would scribble over the live display: errors only.
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["Logging:LogLevel:Default"] = "Error",
                    ["Logging:LogLevel:Microsoft.AspNetCore"] = "Error",
                });
            }

            SiloLogging.LeaveFailedStartToTheCommand(builder);
            builder.AddVenueEdge();
            var app = builder.Build();
            // A second edge on the data directory is refused here in one line, not by the host's start (a logged stack trace).
            app.Services.GetRequiredService<EdgeSiloService>().ClaimDataDirectory();
            app.MapVenueEdge();
            await ListenUrls.StartAsync(app, parse.GetValue(urls) ?? builder.Configuration["Urls"], ct);
            if (parse.GetValue(dashboard))
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, app.Lifetime.ApplicationStopping);
                await Dashboard.LiveDashboard.RunEdgeAsync(app, stop.Token);
            }

            await app.WaitForShutdownAsync(ct);
            return 0;
        }));
        edge.Subcommands.Add(Devices());
        return edge;
    }

    private static EdgeSiloOptions LoadOptions(FileInfo file)
    {
        var options = ConfigFiles.Load<EdgeSiloOptions>(file, EdgeSiloOptions.Section);
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            throw new InvalidDataException($"{file.FullName}: Edge:DataDirectory is required.");
        }

        return options;
    }

    private static Command Devices() => DevicesCommand.Create("Scanner, reader and ops credentials of this edge.", Config,
        (file, create, _) =>
        {
            var path = LoadOptions(file).DevicesPath;
            if (!create && !File.Exists(path))
            {
                throw new FileNotFoundException($"No device is registered on this edge: {path} does not exist yet (if devices were added, check Edge:DataDirectory).", path);
            }

            return Task.FromResult<(IDeviceCredentialStore, IAsyncDisposable?)>((new SqliteDeviceCredentialStore(path, TimeProvider.System), null));
        },
        BoothAppProblem, DeviceRole.Scanner, DeviceRole.Reader, DeviceRole.Ops);

    /// <summary>A booth app's credential must name a booth of this edge's layout: a typo would be refused at every capture all day.</summary>
    private static string? BoothAppProblem(FileInfo config, string name)
    {
        if (!name.StartsWith(Edge.Telemetry.BoothApps.NamePrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var boothId = name[Edge.Telemetry.BoothApps.NamePrefix.Length..];
        var layoutPath = LoadOptions(config).LayoutPath;
        if (string.IsNullOrWhiteSpace(layoutPath))
        {
            return $"--name {name} names a booth app, but this edge has no venue layout (Edge:LayoutPath), so it has no booths.";
        }

        VenueLayout layout;
        try
        {
            layout = VenueLayout.Load(layoutPath);
        }
        catch (LayoutException e)
        {
            return $"--name {name} names a booth app, and the venue layout {layoutPath} cannot be read: {e.Message}";
        }

        return layout.TryGetBooth(boothId, out _)
            ? null
            : $"--name {name}: booth '{boothId}' is not in the venue layout {layoutPath} (its booths: {(layout.Booths.Count == 0 ? "none" : string.Join(", ", layout.Booths.Select(b => b.Id)))}).";
    }
}
