using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;
using Venue.Central.Silo;
using Venue.Edge.Silo;

namespace Venue.Cli.Dashboard;

/// <summary>
/// The terminal dashboard of <c>venue edge --dashboard</c> and <c>venue central --dashboard</c>:
/// redrawn twice a second until the host stops. It reads the silo the way a console would and
/// prints where the web ops console is.
/// </summary>
public static class LiveDashboard
{
    public static readonly TimeSpan Refresh = TimeSpan.FromMilliseconds(500);

    public static async Task RunEdgeAsync(WebApplication app, CancellationToken stop)
    {
        var silo = app.Services.GetRequiredService<EdgeSiloService>().Silo;
        using var watch = new SiloWatch(silo);
        var facts = ConsoleFacts(app);
        await RunAsync(async () =>
        {
            var (gates, zones) = await watch.ReadAsync();
            var telemetry = silo.Telemetry?.GetStatus();
            var sync = silo.SyncStatus;
            var lines = new List<string>(facts)
            {
                $"journal {silo.Journal.LastSequence:N0} entries in {silo.Journal.Commits:N0} commits" +
                    (telemetry is null ? "" : $"; {telemetry.ReadsAppended:N0} RFID reads, {telemetry.PortalMovements:N0} movements") +
                    (sync is null ? "; standalone" : $"; central link {sync.Status}, uploaded to {sync.UploadedSequence:N0}"),
            };
            return new DashboardView($"Edge {silo.EdgeId}", lines, gates, zones, watch.Alerts, []);
        }, stop);
    }

    public static async Task RunCentralAsync(WebApplication app, CancellationToken stop)
    {
        var silo = app.Services.GetRequiredService<CentralSiloService>().Silo;
        var facts = ConsoleFacts(app);
        await RunAsync(async () =>
        {
            var stats = await silo.GetStatsAsync(stop);
            var lines = new List<string>(facts)
            {
                $"{stats.Registered:N0} registered, {stats.Inside:N0} inside, {stats.Admitted:N0} admitted at least once, {stats.Conflicts:N0} conflicts",
            };
            var silos = stats.Silos.Select(s => new SiloRow(s.SiloId, s.Status, s.JournalLagEntries, s.SyncLagMs, s.LastSeenAt)).ToList();
            return new DashboardView($"Central ({silo.Store.Kind})", lines, [], [], [], silos);
        }, stop);
    }

    /// <summary>Draws <paramref name="read"/>'s view until <paramref name="stop"/>; a failed read shows its message and tries again.</summary>
    public static async Task RunAsync(Func<Task<DashboardView>> read, CancellationToken stop)
    {
        var first = await read();
        await AnsiConsole.Live(DashboardRenderer.Render(first)).AutoClear(false).StartAsync(async context =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(Refresh, stop);
                    context.UpdateTarget(DashboardRenderer.Render(await read()));
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return; // the silo is stopping
                }
            }
        });
    }

    private static List<string> ConsoleFacts(WebApplication app) =>
        [.. app.Urls.Select(u => $"ops console: {u.Replace("0.0.0.0", "localhost", StringComparison.Ordinal).TrimEnd('/')}/console (sign in with an ops token: 'devices add --role ops')")];
}
