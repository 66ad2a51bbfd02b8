using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Venue.Central;
using Venue.Central.Silo;
using Venue.Domain.Devices;

namespace Venue.Cli.Commands;

/// <summary><c>venue central</c>: run the central silo; <c>migrate</c> its schema; <c>devices</c>: edge and ops credentials.</summary>
public static class CentralCommand
{
    public static readonly Option<FileInfo> Config = new("--config")
    {
        Description = "Central configuration file (see silo-config/central.json). Environment variables VENUE_Central__... override it.",
        DefaultValueFactory = _ => new FileInfo("silo-config/central.json"),
    };

    public static Command Create()
    {
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on (overrides the config's Urls), e.g. http://0.0.0.0:5090." };
        var dashboard = new Option<bool>("--dashboard") { Description = "Show a live terminal dashboard (silos, totals, conflicts) instead of the log, and where the ops console is." };
        var central = new Command("central", "Run the central silo: registration, the edges' sync, reconciliation and the integrator API.") { Config, urls, dashboard };
        central.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            var builder = WebApplication.CreateBuilder();
            var file = parse.GetValue(Config)!;
            ConfigFiles.Add(builder.Configuration, file);
            CheckOptions(builder.Configuration, file);
            if (parse.GetValue(urls) is { } listen)
            {
                ListenUrls.Check(listen, "--urls", "http://0.0.0.0:5090");
                builder.WebHost.UseUrls(listen);
            }
            else
            {
                ListenUrls.Check(builder.Configuration["Urls"], $"{file.Name}: Urls", "http://0.0.0.0:5090");
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
            builder.AddVenueCentral();
            var app = builder.Build();
            app.MapVenueCentral();
            await ListenUrls.StartAsync(app, parse.GetValue(urls) ?? builder.Configuration["Urls"], ct);
            if (parse.GetValue(dashboard))
            {
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, app.Lifetime.ApplicationStopping);
                await Dashboard.LiveDashboard.RunCentralAsync(app, stop.Token);
            }

            await app.WaitForShutdownAsync(ct);
            if (app.Services.GetRequiredService<CentralSiloService>().ClaimLost)
            {
                await Console.Error.WriteLineAsync("venue: another central took this store while the database was out of reach; this one stopped.");
                return 1;
            }

            return 0;
        }));

        var migrate = new Command("migrate", "Create or upgrade central's schema (PostgreSQL or the embedded SQLite) and exit.") { Config };
        migrate.SetAction((parse, ct) => VenueCommandLine.Guard(async () =>
        {
            var options = LoadOptions(parse.GetValue(Config)!);
            await using var store = await CentralStoreFactory.OpenAsync(options, TimeProvider.System, ct);
            Console.WriteLine($"Central store ({store.Kind}) is at schema version {await store.MigrateAsync(ct)}.");
            return 0;
        }));

        central.Subcommands.Add(migrate);
        central.Subcommands.Add(DevicesCommand.Create("Edge and ops credentials of central (an edge's credential name is its EdgeId).", Config,
            async (file, _, ct) =>
            {
                var store = await CentralStoreFactory.OpenAsync(LoadOptions(file), TimeProvider.System, ct);
                return (store.Devices, store);
            },
            checkName: null, DeviceRole.Edge, DeviceRole.Ops));
        return central;
    }

    /// <summary>The options, checked: every problem in one line rather than a host's stack trace.</summary>
    public static CentralOptions LoadOptions(FileInfo file)
    {
        var configuration = ConfigFiles.Build(file);
        ConfigFiles.Bind<CentralOptions>(configuration, file, CentralOptions.Section); // names a missing section
        return CheckOptions(configuration, file);
    }

    private static CentralOptions CheckOptions(IConfiguration configuration, FileInfo file)
    {
        var options = configuration.GetSection(CentralOptions.Section).Get<CentralOptions>() ?? new CentralOptions();
        IReadOnlyList<string> problems =
        [
            .. Venue.Hosting.Configuration.ConfigurationLists.Problems<TicketTypeOptions>(configuration, $"{CentralOptions.Section}:TicketTypes"),
            .. options.Problems(),
            .. Venue.Hosting.ReverseProxy.ReverseProxyOptions.Problems(configuration),
            .. ConfigFiles.UnknownKeys(configuration, file, CentralOptions.Section, typeof(CentralOptions), new Dictionary<string, Type>
            {
                ["Integrator"] = typeof(Venue.Central.Integrator.IntegratorOptions),
                ["Webhooks"] = typeof(Venue.Central.Webhooks.WebhookDispatcherOptions),
            }),
        ];
        if (problems.Count > 0)
        {
            throw new InvalidDataException($"{file.FullName}: {string.Join(" ", problems)}");
        }

        return options;
    }
}
