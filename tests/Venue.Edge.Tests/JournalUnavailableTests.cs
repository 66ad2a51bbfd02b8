using System.Net;
using Microsoft.Data.Sqlite;
using Venue.Edge.Tests.Infrastructure;
using Venue.Edge.Tests.Telemetry;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Tests;

/// <summary>
/// When the journal cannot commit, the edge answers 503 with a problem body and records nothing, and
/// the journal takes the same scan or reads again once it can write (README: "503 when the journal
/// fails"). The failure is real: a trigger, added through a connection of the test's own, makes
/// SQLite abort the edge writer's insert.
/// </summary>
public sealed class JournalUnavailableTests
{
    private const string Failure = "disk on fire";

    [Fact]
    public async Task A_scan_the_journal_cannot_commit_gets_503_admits_nobody_and_its_retry_with_the_same_nonce_is_admitted()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var first = await edge.Scanner.ScanAsync("G01", edge.Ledger.Issue("W0001"));
        Assert.True(first.Result == "admitted", first.ToString());
        var badge = edge.Ledger.Issue("W0002");
        var before = edge.Journal();
        var counters = (await edge.Scanner.GateAsync("G01")).ToString();
        Execute(edge.JournalPath, $"CREATE TRIGGER refuse BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, '{Failure}'); END");

        var refused = await edge.Scanner.ScanAsync("G01", badge, nonce: "lane1-42");

        AssertUnavailable(refused);
        Assert.Equal(before, edge.Journal());
        Assert.Equal(before[^1].Sequence, edge.Edge.Silo.Journal.LastSequence);
        Assert.Equal(counters, (await edge.Scanner.GateAsync("G01")).ToString());

        Execute(edge.JournalPath, "DROP TRIGGER refuse");
        var retried = await edge.Scanner.ScanAsync("G01", badge, nonce: "lane1-42");

        // Admitted as a first scan: the failed one left no "inside" state and no remembered answer behind.
        Assert.True(retried.Status == HttpStatusCode.OK && retried.Result == "admitted", retried.ToString());
        var journaled = Assert.Single(edge.Journal(), e => e.Nonce == "lane1-42");
        Assert.Equal("W0002", journaled.AttendeeId);
        Assert.Equal(before.Count + 1, edge.Journal().Count);
        Assert.Equal(retried.Body, (await edge.Scanner.ScanAsync("G01", badge, nonce: "lane1-42")).Body);
    }

    [Fact]
    public async Task While_the_journal_cannot_commit_healthz_answers_503_with_why_and_since_when_and_ok_again_once_a_scan_commits()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var badge = edge.Ledger.Issue("W0001");
        Execute(edge.JournalPath, $"CREATE TRIGGER refuse BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, '{Failure}'); END");
        AssertUnavailable(await edge.Scanner.ScanAsync("G01", badge, nonce: "lane1-1"));
        AssertUnavailable(await edge.Scanner.ScanAsync("G01", badge, nonce: "lane1-1"));

        var failing = await edge.Scanner.GetAsync("/healthz");

        Assert.True(failing.Status == HttpStatusCode.ServiceUnavailable, $"expected 503, got {failing}");
        Assert.Equal("journal_unavailable", failing.Json.GetProperty("status").GetString());
        var failure = failing.Json.GetProperty("journalFailure");
        Assert.Equal(edge.JournalPath, failure.GetProperty("path").GetString());
        Assert.Contains(Failure, failure.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, failure.GetProperty("refusedAppends").GetInt64());
        Assert.True(failure.TryGetProperty("since", out _), failing.ToString());

        Execute(edge.JournalPath, "DROP TRIGGER refuse");
        var retried = await edge.Scanner.ScanAsync("G01", badge, nonce: "lane1-1");
        var healthy = await edge.Scanner.GetAsync("/healthz");

        Assert.True(retried.Result == "admitted", retried.ToString());
        Assert.True(healthy.Status == HttpStatusCode.OK, healthy.ToString());
        Assert.Equal("ok", healthy.Json.GetProperty("status").GetString());
        Assert.False(healthy.Json.TryGetProperty("journalFailure", out _), healthy.ToString());
    }

    [Fact]
    public async Task An_edge_whose_journal_can_commit_again_is_healthy_again_within_seconds_without_a_scan()
    {
        // As behind a load balancer that stopped sending scans once /healthz said 503: no scan will come to show it recovered.
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        Execute(edge.JournalPath, $"CREATE TRIGGER refuse BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, '{Failure}'); END");
        Execute(edge.JournalPath, $"CREATE TRIGGER refuse_probe BEFORE UPDATE ON journal_meta BEGIN SELECT RAISE(ABORT, '{Failure}'); END");
        AssertUnavailable(await edge.Scanner.ScanAsync("G01", edge.Ledger.Issue("W0001"), nonce: "lane1-1"));
        var before = edge.Journal();

        // A probe that fails (every 5 s) changes nothing but says when it was tried.
        var failing = await HealthWhenAsync(edge, h => h.Json.TryGetProperty("journalFailure", out var f) && f.TryGetProperty("lastProbeAt", out _),
            "a failed probe of the journal in /healthz");
        Assert.True(failing.Status == HttpStatusCode.ServiceUnavailable, $"expected 503 while the probe cannot write either, got {failing}");
        Assert.Equal(1, failing.Json.GetProperty("journalFailure").GetProperty("refusedAppends").GetInt64());

        Execute(edge.JournalPath, "DROP TRIGGER refuse");
        Execute(edge.JournalPath, "DROP TRIGGER refuse_probe");
        var health = await HealthWhenAsync(edge, h => h.Status == HttpStatusCode.OK, "/healthz to answer 200 once the journal is writable again");

        Assert.Equal("ok", health.Json.GetProperty("status").GetString());
        Assert.Equal(before, edge.Journal());
    }

    [Fact]
    public async Task Reads_the_journal_cannot_commit_get_503_move_nobody_and_the_same_reads_are_accepted_when_posted_again()
    {
        await using var expo = await Expo.StartAsync(["A-1"]);
        var admittedAt = await expo.AdmitAsync("A-1");
        var body = ReaderJson.Zebra(expo.RoomPass("A-1", inward: true, admittedAt.AddSeconds(1)));
        var appended = (await expo.TelemetryHealthAsync()).GetProperty("readsAppended").GetInt64();
        Execute(expo.Scenario.TelemetryPath, $"CREATE TRIGGER refuse BEFORE INSERT ON reads BEGIN SELECT RAISE(ABORT, '{Failure}'); END");

        var refused = await expo.ZebraReader.PostAsync($"/v1/readers/{Expo.Zebra}/reads", body);

        AssertUnavailable(refused);
        Assert.Empty(SqliteReadJournal.ReadAll(expo.Scenario.TelemetryPath));
        Assert.Equal(appended, (await expo.TelemetryHealthAsync()).GetProperty("readsAppended").GetInt64());
        Assert.Equal("hall-a", Expo.ZoneIn(await expo.LocationAsync("A-1")));

        Execute(expo.Scenario.TelemetryPath, "DROP TRIGGER refuse");
        var retried = await expo.ZebraReader.PostAsync($"/v1/readers/{Expo.Zebra}/reads", body);

        // Accepted, not called duplicates: nothing of the failed batch stayed behind.
        Assert.True(retried.Status == HttpStatusCode.OK, retried.ToString());
        Assert.Equal((5, 0), (retried.Json.GetProperty("accepted").GetInt32(), retried.Json.GetProperty("duplicates").GetInt32()));
        Assert.Equal(5, SqliteReadJournal.ReadAll(expo.Scenario.TelemetryPath).Count());
        Assert.Equal("room-1", Expo.ZoneIn(await expo.LocationAsync("A-1")));
    }

    private static void AssertUnavailable(HttpAnswer answer)
    {
        Assert.True(answer.Status == HttpStatusCode.ServiceUnavailable, $"expected 503, got {answer}");
        Assert.Equal("application/problem+json", answer.MediaType);
        var problem = answer.Json;
        Assert.Equal(503, problem.GetProperty("status").GetInt32());
        Assert.Contains("journal is unavailable", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(1), answer.Headers.RetryAfter?.Delta);
        // The detail carries SQLite's reason, so an operator reading the scanner's log learns why.
        Assert.Contains(Failure, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Runs SQL on the edge's journal file through a connection of the test's own.</summary>
    /// <summary>Asks /healthz until <paramref name="done"/> holds, for at most 20 s (four probe intervals).</summary>
    private static async Task<HttpAnswer> HealthWhenAsync(EdgeScenario edge, Func<HttpAnswer, bool> done, string awaited)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var health = await edge.Scanner.GetAsync("/healthz");
        while (!done(health))
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited 20 s for {awaited}; /healthz last answered {health}");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
            health = await edge.Scanner.GetAsync("/healthz");
        }

        return health;
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
