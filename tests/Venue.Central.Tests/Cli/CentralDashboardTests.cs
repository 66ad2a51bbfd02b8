using Spectre.Console;
using Venue.Cli.Dashboard;
using Venue.Domain.Central;
using Venue.Storage.Sqlite.Central;

namespace Venue.Central.Tests.Cli;

/// <summary>What <c>venue central --dashboard</c> shows: central's notices are conflicts, read after a cursor from the real store.</summary>
public sealed class CentralDashboardTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    private static Conflict Conflict(string attendee, long sequence) => new(attendee,
        new PassageRef("north", sequence, "n1", T0, 1), new PassageRef("south", sequence, "s3", T0.AddSeconds(40), 2), T0.AddMinutes(1));

    [Fact]
    public async Task The_central_dashboard_lists_the_newest_conflicts_and_reads_only_new_ones_on_each_refresh()
    {
        using var directory = new TempDirectory();
        await using var store = await SqliteCentralStore.OpenAsync(directory.File("central.db"), TimeProvider.System);
        var watch = new ConflictWatch(store);
        Assert.Empty(await watch.ReadAsync(CancellationToken.None));

        // More than a page of conflicts before the first refresh: all are read, the newest kept.
        for (var i = 1; i <= 620; i++)
        {
            await store.ReplaceConflictsAsync($"a{i}", [Conflict($"a{i}", i)]);
        }

        var lines = await watch.ReadAsync(CancellationToken.None);
        Assert.Equal(ConflictWatch.Kept, lines.Count);
        Assert.Contains("a620: admitted at north n1 08:00:00 and at south s3 08:00:40", lines[^1]);
        Assert.Contains("a571:", lines[0]);

        await store.ReplaceConflictsAsync("a621", [Conflict("a621", 621)]);
        lines = await watch.ReadAsync(CancellationToken.None);
        Assert.Equal(ConflictWatch.Kept, lines.Count);
        Assert.Contains("a621:", lines[^1]);
        Assert.Single(lines, l => l.Contains("a620:", StringComparison.Ordinal));
    }

    [Fact]
    public void The_notices_panel_is_titled_for_what_it_holds_and_says_when_there_is_none()
    {
        static string Draw(NoticeList notices)
        {
            var output = new StringWriter();
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No,
            });
            console.Profile.Width = 160;
            console.Write(DashboardRenderer.Render(new DashboardView("Central (sqlite)", [], [], [], notices, [])));
            return output.ToString();
        }

        var none = Draw(NoticeList.Conflicts([]));
        Assert.Contains("Recent conflicts", none);
        Assert.Contains("no conflicts", none);
        Assert.DoesNotContain("alerts", none);

        var some = Draw(NoticeList.Conflicts([ConflictWatch.Describe(Conflict("a7", 7))]));
        Assert.Contains("a7: admitted at north n1 08:00:00 and at south s3 08:00:40", some);
        Assert.DoesNotContain("no conflicts", some);
    }
}
