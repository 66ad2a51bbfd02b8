using System.Text.Json;
using Venue.Edge.Tests.Infrastructure;

namespace Venue.Edge.Tests;

/// <summary>Scanners retry on timeouts with the same nonce: a retry must return the first answer and change nothing.</summary>
public sealed class NonceTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_repeated_nonce_returns_the_first_answer_and_changes_nothing()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("A0001"));
        var scanner = edge.Scanner;

        var first = await scanner.ScanAsync("G01", badge, nonce: "retry-me");
        var sequence = edge.Edge.Silo.Journal.LastSequence;
        var counters = (await scanner.GateAsync("G01")).GetRawText();

        var retry = await scanner.ScanAsync("G01", badge, nonce: "retry-me");

        Assert.Equal("admitted", first.Result);
        Assert.Equal(first.Body, retry.Body);
        Assert.Equal(sequence, edge.Edge.Silo.Journal.LastSequence);
        Assert.Equal(counters, (await scanner.GateAsync("G01")).GetRawText());
        Assert.Single(edge.Journal(), e => e.Nonce == "retry-me");
    }

    [Fact]
    public async Task A_retry_of_a_refused_scan_returns_the_same_refusal_and_changes_nothing()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("A0001"));
        var scanner = edge.Scanner;
        await scanner.ScanAsync("G01", badge);

        var refused = await scanner.ScanAsync("G02", badge, nonce: "second-look");
        var sequence = edge.Edge.Silo.Journal.LastSequence;
        var counters = (await scanner.GateAsync("G02")).GetRawText();
        var retry = await scanner.ScanAsync("G02", badge, nonce: "second-look");

        Assert.Equal(("refused", "already_inside"), (refused.Result, refused.Reason));
        Assert.Equal(refused.Body, retry.Body);
        Assert.Equal(sequence, edge.Edge.Silo.Journal.LastSequence);
        Assert.Equal(counters, (await scanner.GateAsync("G02")).GetRawText());
    }

    [Fact]
    public async Task A_retry_answers_what_the_first_scan_was_answered_even_after_the_attendee_moved_on()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("A0001"));
        var scanner = edge.Scanner;

        var first = await scanner.ScanAsync("G01", badge, nonce: "late-retry");
        await scanner.ScanAsync("G01", badge, "exit");
        var retry = await scanner.ScanAsync("G01", badge, nonce: "late-retry");
        var presence = await edge.Edge.Silo.GetPresenceAsync("A0001");

        Assert.Equal(first.Body, retry.Body);
        Assert.False(presence.Inside, "the retried entry must not have let the attendee in again");
        Assert.Equal(1, presence.Entries);
    }

    [Fact]
    public async Task The_same_nonce_sent_sixteen_times_at_once_is_journaled_once_and_answered_alike()
    {
        string badge = "";
        await using var edge = await EdgeScenario.StartAsync(l => badge = l.Add("A0001"));
        var scanner = edge.Scanner;

        var answers = await SixteenAtOnceAsync(scanner, ScannerClient.ScanJson(badge, "entry", "storm"));

        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal("admitted", answers[0].Result);
        Assert.Single(edge.Journal());
        Assert.Equal(1, (await scanner.GateAsync("G01")).GetProperty("scans").GetInt64());
    }

    [Fact]
    public async Task An_unreadable_badge_sent_sixteen_times_at_once_on_one_nonce_is_journaled_once_and_answered_alike()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var scanner = edge.Scanner;

        var answers = await SixteenAtOnceAsync(scanner, ScannerClient.ScanJson("VN1.AAAA", "entry", "storm"));

        Assert.Single(answers.Select(a => a.Body).Distinct());
        Assert.Equal(("refused", "malformed"), (answers[0].Result, answers[0].Reason));
        Assert.Single(edge.Journal());
        Assert.Equal(1, (await scanner.GateAsync("G01")).GetProperty("scans").GetInt64());
    }

    [Fact]
    public async Task A_nonce_of_an_unreadable_badge_reused_in_the_other_direction_is_a_new_journaled_scan()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var scanner = edge.Scanner;

        var entry = await scanner.ScanAsync("G01", "VN1.AAAA", nonce: "lane-1");
        var exit = await scanner.ScanAsync("G01", "VN1.AAAA", "exit", nonce: "lane-1");
        var retry = await scanner.ScanAsync("G01", "VN1.AAAA", "exit", nonce: "lane-1");

        Assert.Equal("malformed", entry.Reason);
        Assert.Equal("malformed", exit.Reason);
        Assert.NotEqual(entry.Body, exit.Body);
        Assert.Equal(exit.Body, retry.Body);
        Assert.Equal(2, edge.Journal().Count(e => e.Nonce == "lane-1"));
    }

    [Fact]
    public async Task Refusals_of_badges_naming_nobody_at_one_gate_share_disk_commits_instead_of_taking_one_each()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var silo = edge.Edge.Silo;
        var before = silo.Journal.Commits;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        // A rush of unreadable codes at one gate: the gate's grain used to journal each inside its turn, one sync at a time.
        var answers = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
                silo.ScanAsync("G01", new Venue.Domain.CheckIn.ScanRequest("VN1.AAAA", Venue.Domain.CheckIn.ScanDirection.Entry, $"r{i}", DateTimeOffset.UtcNow))))
            .Within(TimeSpan.FromSeconds(60), "200 refusals at one gate");

        var commits = silo.Journal.Commits - before;
        output.WriteLine($"200 refusals at one gate: {commits} commits in {clock.ElapsedMilliseconds} ms");
        Assert.All(answers, a => Assert.Equal(Venue.Domain.CheckIn.ScanReason.Malformed, a.Reason));
        Assert.Equal(200, edge.Journal().Count);
        Assert.True(commits < 100, $"200 refusals took {commits} commits: they did not share group commits");
        Assert.Equal(200, (await edge.Scanner.GateAsync("G01")).GetProperty("scans").GetInt64());
    }

    [Fact]
    public async Task After_an_edge_restart_a_retried_nonce_still_returns_its_first_answer_and_who_was_inside_stays_inside()
    {
        string ada = "", bob = "", cy = "", strangeTicket = "";
        await using var edge = await EdgeScenario.StartAsync(l =>
        {
            ada = l.Add("A0001", "vip", name: "Ada Lovelace");
            bob = l.Add("A0002", "general", name: "Bob Marley");
            cy = l.Add("A0003", "general", name: "Cy Twombly");
            // Genuine, naming nobody in the ledger, with a ticket type the event does not have.
            strangeTicket = l.Issue("W0009", "no-such-ticket-type");
        });
        var scanner = edge.Scanner;
        var admitted = await scanner.ScanAsync("G01", ada, nonce: "n-admitted");
        var refused = await scanner.ScanAsync("G02", ada, nonce: "n-refused");
        var forged = await scanner.ScanAsync("G01", "VN1.AAAA", nonce: "n-malformed");
        await scanner.ScanAsync("G03", bob, nonce: "n-bob-in");
        var bobOut = await scanner.ScanAsync("G03", bob, "exit", nonce: "n-bob-out");
        var unknown = await scanner.ScanAsync("G01", strangeTicket, nonce: "n-unknown");
        Assert.Equal("unknown_ticket", unknown.Reason);
        Assert.False(unknown.Json.TryGetProperty("attendee", out var nobody) && nobody.ValueKind != JsonValueKind.Null, unknown.Body);
        var countersBefore = (await scanner.GetAsync("/v1/gates")).Body;
        var entriesBefore = edge.Journal().Count;

        await edge.RestartAsync();
        scanner = edge.Scanner;

        Assert.Equal(entriesBefore, edge.Edge.Silo.Startup.JournalEntriesReplayed);
        Assert.Equal(countersBefore, (await scanner.GetAsync("/v1/gates")).Body);
        foreach (var (gate, token, direction, first) in new[]
                 {
                     ("G01", ada, "entry", admitted), ("G02", ada, "entry", refused), ("G01", "VN1.AAAA", "entry", forged), ("G03", bob, "exit", bobOut),
                     ("G01", strangeTicket, "entry", unknown),
                 })
        {
            var retry = await scanner.ScanAsync(gate, token, direction, first.Json.GetProperty("nonce").GetString());
            Assert.True(first.Body == retry.Body, $"first: {first.Body}\nretry: {retry.Body}");
        }

        Assert.Equal(entriesBefore, edge.Journal().Count);
        var again = await scanner.ScanAsync("G04", ada);
        Assert.Equal(("refused", "already_inside", "A0001"), (again.Result, again.Reason, again.AttendeeId));
        var bobBack = await scanner.ScanAsync("G04", bob);
        Assert.Equal(("admitted", "admitted"), (bobBack.Result, bobBack.Reason));
        var cyIn = await scanner.ScanAsync("G04", cy);
        Assert.Equal("admitted", cyIn.Result);

        // A scanner whose counter started again with the edge: Ada leaves through G01 on the nonce she
        // came in on. That is a new scan (the other direction), not a retry of her entry.
        var adaOut = await scanner.ScanAsync("G01", ada, "exit", nonce: "n-admitted");
        Assert.Equal(("admitted", "exited"), (adaOut.Result, adaOut.Reason));
        Assert.Equal(entriesBefore + 4, edge.Journal().Count);
    }

    [Fact]
    public async Task After_an_edge_restart_a_walk_in_admitted_before_it_is_still_inside()
    {
        string walkIn = "";
        await using var edge = await EdgeScenario.StartAsync(l => walkIn = l.Issue("W0001", "press"));
        var admitted = await edge.Scanner.ScanAsync("G01", walkIn, nonce: "walk-in");
        Assert.Equal("admitted", admitted.Result);

        await edge.RestartAsync();

        var again = await edge.Scanner.ScanAsync("G02", walkIn);
        Assert.Equal(("refused", "already_inside", "W0001"), (again.Result, again.Reason, again.AttendeeId));
    }

    /// <summary>One scan request sent sixteen times at the same moment, as a scanner retrying over a flaky link might.</summary>
    private static async Task<HttpAnswer[]> SixteenAtOnceAsync(ScannerClient scanner, string body)
    {
        var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var sends = Enumerable.Range(0, 16).Select(async _ =>
        {
            await go.Task;
            return await scanner.PostAsync("/v1/gates/G01/scans", body);
        }).ToList();
        go.SetResult();
        return await Task.WhenAll(sends).Within(TimeSpan.FromSeconds(20), "16 concurrent copies of one scan");
    }
}
