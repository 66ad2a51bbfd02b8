using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Configuration;
using Venue.Domain.Devices;
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
        var edge = new Command("edge", "Run an edge silo: the scanner API for one gate cluster, answering from its own ledger and journal.") { Config, urls };
        edge.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            var builder = WebApplication.CreateBuilder();
            var file = parse.GetValue(Config)!;
            AddConfig(builder.Configuration, file);

            // Checked here rather than only by the host, which would log a failed start with a stack trace.
            var problems = (builder.Configuration.GetSection(EdgeSiloOptions.Section).Get<EdgeSiloOptions>() ?? new EdgeSiloOptions()).Problems();
            if (problems.Count > 0)
            {
                throw new InvalidDataException($"{file.FullName}: {string.Join(" ", problems)}");
            }

            if (parse.GetValue(urls) is { } listen)
            {
                builder.WebHost.UseUrls(listen);
            }

            builder.AddVenueEdge();
            var app = builder.Build();
            app.MapVenueEdge();
            await app.StartAsync(ct);
            await app.WaitForShutdownAsync(ct);
            return 0;
        }));
        edge.Subcommands.Add(Devices());
        return edge;
    }

    private static void AddConfig(IConfigurationBuilder configuration, FileInfo file)
    {
        if (!file.Exists)
        {
            throw new IOException($"Configuration file {file.FullName} does not exist (give one with --config).");
        }

        configuration.AddJsonFile(file.FullName, optional: false, reloadOnChange: false);
        configuration.AddEnvironmentVariables("VENUE_");
    }

    private static EdgeSiloOptions LoadOptions(FileInfo file)
    {
        var configuration = new ConfigurationBuilder();
        AddConfig(configuration, file);
        var options = configuration.Build().GetSection(EdgeSiloOptions.Section).Get<EdgeSiloOptions>()
            ?? throw new InvalidDataException($"{file.FullName} has no '{EdgeSiloOptions.Section}' section.");
        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            throw new InvalidDataException($"{file.FullName}: Edge:DataDirectory is required.");
        }

        return options;
    }

    private static Command Devices()
    {
        var name = new Option<string>("--name") { Description = "What the device is, e.g. 'north lane 3'.", Required = true };
        var role = new Option<DeviceRole>("--role") { Description = "scanner, reader or ops.", DefaultValueFactory = _ => DeviceRole.Scanner };
        var add = new Command("add", "Register a device; prints its token once (only a hash is stored).") { Config, name, role };
        add.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            var store = new SqliteDeviceCredentialStore(LoadOptions(parse.GetValue(Config)!).DevicesPath, TimeProvider.System);
            var (credential, token) = await store.CreateAsync(parse.GetValue(name)!, parse.GetValue(role), ct);
            Console.WriteLine($"Registered {credential.Role.ToString().ToLowerInvariant()} '{credential.Name}' as {credential.Id}. Its token (shown once):");
            Console.WriteLine(token);
            return 0;
        }));

        var list = new Command("list", "List registered devices.") { Config };
        list.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            var store = new SqliteDeviceCredentialStore(LoadOptions(parse.GetValue(Config)!).DevicesPath, TimeProvider.System);
            foreach (var d in await store.ListAsync(ct))
            {
                Console.WriteLine($"{d.Id}  {d.Role.ToString().ToLowerInvariant(),-8} {(d.IsActive ? "active " : "revoked")}  {d.CreatedAt:u}  {d.Name}");
            }

            return 0;
        }));

        var id = new Option<string>("--id") { Description = "Device id from 'list'.", Required = true };
        var revoke = new Command("revoke", "Revoke a device's token (takes effect within 10 s on a running edge).") { Config, id };
        revoke.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            var store = new SqliteDeviceCredentialStore(LoadOptions(parse.GetValue(Config)!).DevicesPath, TimeProvider.System);
            if (!await store.RevokeAsync(parse.GetValue(id)!, ct))
            {
                await Console.Error.WriteLineAsync($"venue: no active device '{parse.GetValue(id)}'.");
                return 1;
            }

            Console.WriteLine($"Revoked {parse.GetValue(id)}.");
            return 0;
        }));

        var devices = new Command("devices", "Scanner, reader and ops credentials of this edge.");
        devices.Subcommands.Add(add);
        devices.Subcommands.Add(list);
        devices.Subcommands.Add(revoke);
        return devices;
    }
}
