using Venue.Console.Tests.Infrastructure;
using Venue.Domain.Telemetry;
using Venue.OpsConsole.Model;

namespace Venue.Console.Tests.Feed;

/// <summary>The acknowledgements of standing alerts as a silo keeps them on disk across restarts.</summary>
public sealed class AlertAcknowledgementsTests
{
    [Fact]
    public void What_one_run_acknowledged_the_next_finds_and_a_cleared_alert_is_forgotten()
    {
        using var directory = new TempDirectory();
        var at = DateTimeOffset.UtcNow;
        var first = new AlertAcknowledgements(directory.Path);
        first.Record(new AlertView(3, "hall-a", "warn", true, 8, 10, at, null, at.AddMinutes(1), "ops:desk (d1)"));
        first.Record(new AlertView(4, "hall-a", "alert", true, 9, 10, at, null, at.AddMinutes(1), "ops:desk (d1)"));
        first.Save();
        first.Forget("hall-a", "alert");
        first.Dispose();

        var next = new AlertAcknowledgements(directory.Path);
        Assert.Equal(("ops:desk (d1)", at), next.Find("hall-a", "warn") is { } warn ? (warn.AcknowledgedBy, warn.RaisedAt) : default);
        Assert.Null(next.Find("hall-a", "alert"));
        next.ForgetAbove("hall-a", ZoneLevel.Normal);
        next.Save();
        Assert.Null(new AlertAcknowledgements(directory.Path).Find("hall-a", "warn"));
    }

    [Fact]
    public void A_damaged_file_leaves_the_alerts_unacknowledged_and_is_written_whole_at_the_next_acknowledgement()
    {
        using var directory = new TempDirectory();
        var path = directory.File(AlertAcknowledgements.FileName);
        File.WriteAllText(path, """[{"zone":"hall-a","lev""");

        var acknowledgements = new AlertAcknowledgements(directory.Path);
        Assert.Null(acknowledgements.Find("hall-a", "warn"));
        var at = DateTimeOffset.UtcNow;
        acknowledgements.Record(new AlertView(3, "hall-a", "warn", true, 8, 10, at, null, at, "ops:desk (d1)"));
        acknowledgements.Save();

        Assert.NotNull(new AlertAcknowledgements(directory.Path).Find("hall-a", "warn"));
        Assert.False(File.Exists(path + ".new"), "the temporary file was renamed into place");
    }
}
