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
        var facts = ConsoleFacts(app, "edge");
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
            return new DashboardView($"Edge {silo.EdgeId}", lines, gates, zones, NoticeList.Alerts(SiloWatch.LatestAlerts([watch])), []);
        }, stop);
    }

    public static async Task RunCentralAsync(WebApplication app, CancellationToken stop)
    {
        var silo = app.Services.GetRequiredService<CentralSiloService>().Silo;
        var facts = ConsoleFacts(app, "central");
        var conflicts = new ConflictWatch(silo.Store);
        await RunAsync(async () =>
        {
            var stats = await silo.GetStatsAsync(stop);
            var recent = await conflicts.ReadAsync(stop);
            var lines = new List<string>(facts)
            {
                $"{stats.Registered:N0} registered, {stats.Inside:N0} inside, {stats.Admitted:N0} admitted at least once, {stats.Conflicts:N0} conflicts",
            };
            var silos = stats.Silos.Select(s => new SiloRow(s.SiloId, s.Status, s.JournalLagEntries, s.SyncLagMs, s.LastSeenAt)).ToList();
            return new DashboardView($"Central ({silo.Store.Kind})", lines, [], [], NoticeList.Conflicts(recent), silos);
        }, stop);
    }

    /// <summary>
    /// Draws <paramref name="read"/>'s view until <paramref name="stop"/>; a failed read shows its
    /// message over the last view and is tried again at the next refresh, and never stops the silo.
    /// Into a file, a pipe or a log collector (no interactive terminal) redrawing would write escape
    /// codes for as long as the silo runs: there the facts (the console's address) are printed once
    /// and the log goes on as without the flag.
    /// </summary>
    public static async Task RunAsync(Func<Task<DashboardView>> read, CancellationToken stop)
    {
        var first = await ReadAsync(read, last: null, stop);
        if (first is null)
        {
            return;
        }

        if (Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive)
        {
            foreach (var fact in first.Facts)
            {
                Console.WriteLine(fact);
            }

            return;
        }

        var last = first;
        // Taller than the terminal: keep the top (title, the console's address) and crop the bottom rows.
        await AnsiConsole.Live(DashboardRenderer.Render(first)).AutoClear(false)
            .Overflow(VerticalOverflow.Ellipsis).Cropping(VerticalOverflowCropping.Bottom).StartAsync(async context =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(Refresh, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                if (await ReadAsync(read, last, stop) is not { } view)
                {
                    return;
                }

                if (!view.Facts.Any(f => f.StartsWith(ReadFailed, StringComparison.Ordinal)))
                {
                    last = view;
                }

                context.UpdateTarget(DashboardRenderer.Render(view));
            }
        });
    }

    private const string ReadFailed = "dashboard: reading the silo failed";

    /// <summary>
    /// One read of the view; a failure (a database restarting, say) is shown over the last view
    /// instead of ending the command, and so the silo. Null once the silo is stopping.
    /// </summary>
    internal static async Task<DashboardView?> ReadAsync(Func<Task<DashboardView>> read, DashboardView? last, CancellationToken stop)
    {
        try
        {
            return await read();
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            return null;
        }
        catch (ObjectDisposedException)
        {
            return null; // the silo is stopping
        }
        catch (Exception e)
        {
            var problem = $"{ReadFailed} at {DateTimeOffset.Now:HH:mm:ss} ({e.Message.ReplaceLineEndings(" ")}); trying again";
            return last is null
                ? new DashboardView("Venue", [problem], [], [], NoticeList.Alerts([]), [])
                : last with { Facts = [.. last.Facts, problem] };
        }
    }

    private static List<string> ConsoleFacts(WebApplication app, string role) =>
        [.. app.Urls.Select(u => $"ops console: {u.Replace("0.0.0.0", "localhost", StringComparison.Ordinal).TrimEnd('/')}/console (sign in with an ops token: 'venue {role} devices add --config ... --role ops --name NAME')")];
}
