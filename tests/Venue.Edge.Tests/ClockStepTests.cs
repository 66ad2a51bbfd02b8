using Venue.Domain.Journal;
using Venue.Edge.Tests.Infrastructure;

namespace Venue.Edge.Tests;

/// <summary>
/// The edge's wall clock stepped by NTP mid-morning, minutes back or forward. Answers follow the
/// attendee's state and the nonce, never the clock; the journal's sequence and hybrid logical clock
/// keep growing, also across a restart on a clock that is behind.
/// </summary>
public sealed class ClockStepTests
{
    [Fact]
    public async Task A_clock_stepped_back_ten_minutes_keeps_answers_nonces_and_journal_order_and_so_does_a_restart_on_it()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var badge = edge.Ledger.Issue("W0001");
        var admitted = await edge.Scanner.ScanAsync("G01", badge, nonce: "lane1-1");
        Assert.True(admitted.Result == "admitted", admitted.ToString());

        edge.Edge.Time.Advance(TimeSpan.FromMinutes(-10));

        Assert.Equal(admitted.Body, (await edge.Scanner.ScanAsync("G01", badge, nonce: "lane1-1")).Body);
        var again = await edge.Scanner.ScanAsync("G02", badge, nonce: "lane2-1");
        Assert.Equal(("refused", "already_inside"), (again.Result, again.Reason));
        var exited = await edge.Scanner.ScanAsync("G02", badge, "exit", nonce: "lane2-2");
        Assert.Equal(("admitted", "exited"), (exited.Result, exited.Reason));

        edge.Edge.Time.Advance(TimeSpan.FromMinutes(20));
        var back = await edge.Scanner.ScanAsync("G01", badge, nonce: "lane1-2");
        Assert.Equal(("admitted", "admitted"), (back.Result, back.Reason));
        edge.Edge.Time.Advance(TimeSpan.FromMinutes(-15));
        Assert.Equal(back.Body, (await edge.Scanner.ScanAsync("G01", badge, nonce: "lane1-2")).Body);

        await edge.RestartAsync();
        edge.Edge.Time.Advance(TimeSpan.FromMinutes(-10));
        var afterRestart = await edge.Scanner.ScanAsync("G03", badge, nonce: "lane3-1");

        Assert.Equal(("refused", "already_inside"), (afterRestart.Result, afterRestart.Reason));
        Assert.Equal(back.Body, (await edge.Scanner.ScanAsync("G01", badge, nonce: "lane1-2")).Body);
        var journal = edge.Journal();
        Assert.Equal(Enumerable.Range(1, journal.Count).Select(i => (long)i), journal.Select(e => e.Sequence));
        Assert.True(journal.Zip(journal.Skip(1)).All(p => p.Second.Hlc > p.First.Hlc),
            "HLC went backwards: " + string.Join(", ", journal.Select(e => $"{e.Sequence}:{HybridLogicalClock.ToTime(e.Hlc):HH:mm:ss.fff}+{e.Hlc & 0xffff}")));
        // The entries' own times are the clock's readings, as they were: stepped back, then forward.
        Assert.True(journal[1].At < journal[0].At, $"{journal[0].At:O} then {journal[1].At:O}");
    }
}
