using System.Net;
using System.Text.Json;
using Venue.Domain.Booths;
using Venue.Domain.Tickets;
using Venue.Edge.Tests.Infrastructure;

namespace Venue.Edge.Tests.Telemetry;

/// <summary>Booth apps capturing leads and challenge desks awarding points, over real HTTP; who may see what.</summary>
public sealed class BoothAndChallengeTests : IAsyncLifetime
{
    private Expo _expo = null!;

    public async Task InitializeAsync() => _expo = await Expo.StartAsync(["A-1", "A-2"]);

    public async Task DisposeAsync() => await _expo.DisposeAsync();

    private static string Lead(string? token, object? rating = null, string? notes = null, string? nonce = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?> { ["token"] = token, ["rating"] = rating, ["notes"] = notes, ["nonce"] = nonce ?? ScannerClient.NewNonce() });

    private Task<HttpAnswer> CaptureAsync(string body, string booth = Expo.Booth) => _expo.BoothApp(booth).PostAsync($"/v1/booths/{booth}/leads", body);

    private Task<HttpAnswer> CompleteAsync(string token, string challenge = Expo.Challenge, string? nonce = null) =>
        _expo.Scanner.PostAsync($"/v1/challenges/{challenge}/completions", JsonSerializer.Serialize(new { token, nonce = nonce ?? ScannerClient.NewNonce() }));

    private async Task<long> LastFactAsync() => (await _expo.TelemetryHealthAsync()).GetProperty("lastFactSequence").GetInt64();

    private async Task<JsonElement> BoothAsync() =>
        (await _expo.OkJsonAsync("/v1/booths", _expo.Scanner)).EnumerateArray().Single(b => b.GetProperty("boothId").GetString() == Expo.Booth).Clone();

    private async Task<long?> ScoreAsync(string board, string id)
    {
        var answer = await _expo.Scanner.GetAsync($"/v1/leaderboards/{board}/entries/{id}");
        if (answer.Status == HttpStatusCode.NotFound)
        {
            return null;
        }

        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        return answer.Json.GetProperty("score").GetInt64();
    }

    [Fact]
    public async Task A_lead_captured_then_captured_again_is_captured_then_updated_and_counted_and_scored_once()
    {
        var first = await CaptureAsync(Lead(_expo.Badges["A-1"], 3, "wants a demo"));
        var second = await CaptureAsync(Lead(_expo.Badges["A-1"], 5, "wants a quote"));

        Assert.True(first.Status == HttpStatusCode.OK, first.ToString());
        Assert.Equal(("captured", "A-1"), (first.Result, first.AttendeeId));
        Assert.Equal(("updated", "A-1"), (second.Result, second.AttendeeId));
        var lead = second.Json.GetProperty("lead");
        Assert.Equal((5, "wants a quote"), (lead.GetProperty("rating").GetInt32(), lead.GetProperty("notes").GetString()));
        var booth = await BoothAsync();
        Assert.Equal((1, (long)Expo.BoothPoints), (booth.GetProperty("leads").GetInt32(), booth.GetProperty("score").GetInt64()));
        Assert.Equal(Expo.BoothPoints, await ScoreAsync("attendees", "A-1"));
        Assert.Equal(Expo.BoothPoints, await ScoreAsync("booths", Expo.Booth));
    }

    [Fact]
    public async Task A_lead_and_a_challenge_whose_callers_gave_up_during_the_commit_are_applied_once_journaled()
    {
        var telemetry = _expo.Scenario.Edge.Silo.Telemetry!;
        var facts = telemetry.Journal.LastFactSequence;
        using var gaveUp = new CancellationTokenSource();
        Task lead, challenge;
        // Another writer holds telemetry.db: the commit waits, as a slow disk would make it.
        using (var writer = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={telemetry.Journal.Path};Pooling=False"))
        {
            writer.Open();
            using (var begin = writer.CreateCommand())
            {
                begin.CommandText = "BEGIN IMMEDIATE";
                begin.ExecuteNonQuery();
            }

            lead = telemetry.CaptureLeadAsync(Expo.Booth, new LeadCapture("A-1", 4, "wants a demo", DateTimeOffset.UtcNow), "lane-1", gaveUp.Token);
            challenge = telemetry.CompleteChallengeAsync(Expo.Challenge, "A-2", "quiz-1", DateTimeOffset.UtcNow, gaveUp.Token);
            await gaveUp.CancelAsync(); // as the booth app's request timing out
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => lead);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => challenge);
            using var commit = writer.CreateCommand();
            commit.CommandText = "COMMIT";
            commit.ExecuteNonQuery();
        }

        await Eventually.UntilAsync(() => Task.FromResult(telemetry.Journal.LastFactSequence == facts + 2), TimeSpan.FromSeconds(10), "both facts to be journaled");
        // Applied now, not at the next start's replay: the booth, its points and the quiz's.
        await Eventually.UntilAsync(async () => (await BoothAsync()).GetProperty("leads").GetInt32() == 1, TimeSpan.FromSeconds(10), "the lead to reach its booth");
        Assert.Equal(Expo.BoothPoints, await ScoreAsync("attendees", "A-1"));
        await Eventually.UntilAsync(async () => await ScoreAsync("attendees", "A-2") == Expo.ChallengePoints, TimeSpan.FromSeconds(10), "the quiz's points");
    }

    [Fact]
    public async Task A_retried_capture_with_the_same_nonce_is_journaled_once_and_counted_once()
    {
        var body = Lead(_expo.Badges["A-1"], 4, nonce: "retry-me");
        var facts = await LastFactAsync();

        var first = await CaptureAsync(body);
        var retry = await CaptureAsync(body);

        Assert.Equal(("captured", "updated"), (first.Result, retry.Result));
        Assert.Equal(facts + 1, await LastFactAsync());
        Assert.Equal(1, (await BoothAsync()).GetProperty("leads").GetInt32());
    }

    [Fact]
    public async Task A_nonce_reused_at_a_booth_with_another_badge_captures_that_attendee_as_a_lead_of_their_own()
    {
        // As at gates (docs/scanner-api.md): "a nonce reused with a different badge is a new scan",
        // e.g. a booth app whose nonce counter started again after a reinstall.
        var first = await CaptureAsync(Lead(_expo.Badges["A-1"], 2, "first visitor", nonce: "booth-000001"));
        var second = await CaptureAsync(Lead(_expo.Badges["A-2"], 5, "second visitor", nonce: "booth-000001"));
        var retry = await CaptureAsync(Lead(_expo.Badges["A-2"], 5, "second visitor", nonce: "booth-000001"));

        Assert.Equal(("captured", "A-1"), (first.Result, first.AttendeeId));
        Assert.Equal(("captured", "A-2"), (second.Result, second.AttendeeId));
        Assert.Equal(("A-2", "second visitor"), (second.Json.GetProperty("lead").GetProperty("attendeeId").GetString(),
            second.Json.GetProperty("lead").GetProperty("notes").GetString()));
        Assert.Equal(("updated", "A-2"), (retry.Result, retry.AttendeeId));
        Assert.Equal(2, (await BoothAsync()).GetProperty("leads").GetInt32());
        Assert.Equal(Expo.BoothPoints, await ScoreAsync("attendees", "A-2"));
        var leads = await _expo.OkJsonAsync($"/v1/booths/{Expo.Booth}/leads");
        Assert.Equal(["A-1", "A-2"], leads.EnumerateArray().Select(l => l.GetProperty("attendeeId").GetString()));
    }

    [Fact]
    public async Task A_nonce_reused_at_a_challenge_with_another_badge_awards_that_attendee_too()
    {
        var body = (string attendee) => JsonSerializer.Serialize(new { token = _expo.Badges[attendee], nonce = "desk-000001" });

        var first = await _expo.Scanner.PostAsync($"/v1/challenges/{Expo.Challenge}/completions", body("A-1"));
        var second = await _expo.Scanner.PostAsync($"/v1/challenges/{Expo.Challenge}/completions", body("A-2"));

        Assert.Equal(("awarded", "A-1"), (first.Result, first.AttendeeId));
        Assert.Equal(("awarded", "A-2"), (second.Result, second.AttendeeId));
        Assert.Equal(Expo.ChallengePoints, await ScoreAsync("attendees", "A-1"));
        Assert.Equal(Expo.ChallengePoints, await ScoreAsync("attendees", "A-2"));
    }

    [Theory]
    [InlineData("rating", 0)]
    [InlineData("rating", 6)]
    [InlineData("notes", 1001)]
    [InlineData("nonce", 0)]
    [InlineData("nonce", 129)]
    [InlineData("token", 0)]
    [InlineData("token", 2049)]
    public async Task A_lead_with_a_field_out_of_range_is_refused_with_400_naming_the_field_and_nothing_is_journaled(string field, int value)
    {
        var token = _expo.Badges["A-1"];
        var body = field switch
        {
            "rating" => Lead(token, value),
            "notes" => Lead(token, 3, new string('n', value)),
            "nonce" => JsonSerializer.Serialize(new { token, nonce = new string('x', value) }),
            _ => Lead(new string('t', value)),
        };
        var facts = await LastFactAsync();

        var answer = await CaptureAsync(body);

        var problem = ReadsOverHttpTests.Problem(answer, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"the problem should name '{field}': {answer}");
        Assert.Equal(facts, await LastFactAsync());
        Assert.Equal(0, (await BoothAsync()).GetProperty("leads").GetInt32());
    }

    [Theory]
    [InlineData("{\"token\": ")]
    [InlineData("{\"token\": \"x\", \"rating\": \"five\", \"nonce\": \"n\"}")]
    [InlineData("null")]
    public async Task A_lead_body_that_is_not_the_right_JSON_is_refused_with_400(string body)
    {
        var facts = await LastFactAsync();

        var answer = await CaptureAsync(body);

        ReadsOverHttpTests.Problem(answer, HttpStatusCode.BadRequest);
        Assert.Equal(facts, await LastFactAsync());
    }

    [Fact]
    public async Task A_lead_at_a_booth_missing_from_the_layout_is_refused_with_404()
    {
        var facts = await LastFactAsync();

        var answer = await _expo.BoothApp().PostAsync("/v1/booths/B99/leads", Lead(_expo.Badges["A-1"], 3));

        var problem = ReadsOverHttpTests.Problem(answer, HttpStatusCode.NotFound);
        Assert.Contains("B99", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(facts, await LastFactAsync());
    }

    [Fact]
    public async Task A_garbage_or_forged_badge_at_a_booth_is_answered_refused_with_the_badge_reason_and_makes_no_lead()
    {
        using var otherKey = TicketSigningKey.Create("k1");
        var forged = otherKey.Issue(new BadgeClaims("k1", TestLedger.EventId, "A-1", "general",
            TestLedger.DefaultFrom.ToUnixTimeSeconds(), TestLedger.DefaultUntil.ToUnixTimeSeconds()));
        var facts = await LastFactAsync();

        var garbage = await CaptureAsync(Lead("VN1.!!not-a-badge!!", 3));
        var fake = await CaptureAsync(Lead(forged, 3));

        Assert.Equal((HttpStatusCode.OK, "refused", "malformed"), (garbage.Status, garbage.Result, garbage.Reason));
        Assert.Equal((HttpStatusCode.OK, "refused", "invalid_signature"), (fake.Status, fake.Result, fake.Reason));
        Assert.Equal(facts, await LastFactAsync());
        Assert.Equal(0, (await BoothAsync()).GetProperty("leads").GetInt32());
        Assert.Null(await ScoreAsync("attendees", "A-1"));
    }

    [Fact]
    public async Task The_exhibitors_CSV_export_has_its_header_and_each_lead_and_is_for_ops_and_the_booths_own_app_only()
    {
        await CaptureAsync(Lead(_expo.Badges["A-1"], 4, "likes robots, \"a lot\""));
        await CaptureAsync(Lead(_expo.Badges["A-2"]));

        var csv = await _expo.Ops.GetAsync($"/v1/booths/{Expo.Booth}/leads?format=csv");
        var byScanner = await _expo.Scanner.GetAsync($"/v1/booths/{Expo.Booth}/leads?format=csv");
        var byOwnApp = await _expo.BoothApp().GetAsync($"/v1/booths/{Expo.Booth}/leads?format=csv");
        var byOtherApp = await _expo.BoothApp("B2").GetAsync($"/v1/booths/{Expo.Booth}/leads?format=csv");

        Assert.True(csv.Status == HttpStatusCode.OK, csv.ToString());
        Assert.Equal("text/csv", csv.MediaType);
        var lines = csv.Body.TrimEnd('\n').Split('\n');
        Assert.Equal("attendee_id,rating,notes,first_captured_at,last_captured_at", lines[0]);
        Assert.Equal(3, lines.Length);
        Assert.StartsWith("A-1,4,\"likes robots, \"\"a lot\"\"\",", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("A-2,,,", lines[2], StringComparison.Ordinal);
        ReadsOverHttpTests.Problem(byScanner, HttpStatusCode.Forbidden);
        ReadsOverHttpTests.Problem(byOtherApp, HttpStatusCode.Forbidden);
        Assert.Equal((HttpStatusCode.OK, csv.Body), (byOwnApp.Status, byOwnApp.Body));
    }

    [Fact]
    public async Task Another_booths_app_or_a_gate_scanner_can_neither_capture_nor_overwrite_a_booths_lead()
    {
        var first = await CaptureAsync(Lead(_expo.Badges["A-1"], 5, "budget approved"));
        var facts = await LastFactAsync();
        var before = await BoothAsync();

        // Globex's app and a gate lane try Acme's booth: the first would read and overwrite Acme's
        // lead (its rating and notes), the second would plant one that pays points.
        var byOtherBooth = await _expo.BoothApp("B2").PostAsync($"/v1/booths/{Expo.Booth}/leads", Lead(_expo.Badges["A-1"], 1, "ours now"));
        var byGate = await _expo.Scanner.PostAsync($"/v1/booths/{Expo.Booth}/leads", Lead(_expo.Badges["A-2"], 5));

        Assert.Equal("captured", first.Result);
        var problem = ReadsOverHttpTests.Problem(byOtherBooth, HttpStatusCode.Forbidden);
        Assert.Contains("booth:B1", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        ReadsOverHttpTests.Problem(byGate, HttpStatusCode.Forbidden);
        Assert.Equal(facts, await LastFactAsync());
        Assert.Equal(before.GetRawText(), (await BoothAsync()).GetRawText());
        var lead = (await _expo.OkJsonAsync($"/v1/booths/{Expo.Booth}/leads")).EnumerateArray().Single();
        Assert.Equal((5, "budget approved"), (lead.GetProperty("rating").GetInt32(), lead.GetProperty("notes").GetString()));
        Assert.Null(await ScoreAsync("attendees", "A-2"));
    }

    [Fact]
    public async Task A_booth_app_neither_scans_at_gates_nor_awards_challenges()
    {
        // The credential is in an exhibitor's hands: badges it has scanned must not buy points or entry.
        var facts = await LastFactAsync();
        var quiz = await _expo.BoothApp().PostAsync($"/v1/challenges/{Expo.Challenge}/completions",
            JsonSerializer.Serialize(new { token = _expo.Badges["A-1"], nonce = ScannerClient.NewNonce() }));
        var gate = await _expo.BoothApp().PostAsync("/v1/gates/G01/scans",
            JsonSerializer.Serialize(new { token = _expo.Badges["A-2"], direction = "entry", nonce = ScannerClient.NewNonce(), scannedAt = DateTimeOffset.UtcNow }));

        ReadsOverHttpTests.Problem(quiz, HttpStatusCode.Forbidden);
        ReadsOverHttpTests.Problem(gate, HttpStatusCode.Forbidden);
        // Nor does it read what the gates have counted.
        ReadsOverHttpTests.Problem(await _expo.BoothApp().GetAsync("/v1/gates"), HttpStatusCode.Forbidden);
        ReadsOverHttpTests.Problem(await _expo.BoothApp().GetAsync("/v1/gates/G01"), HttpStatusCode.Forbidden);
        Assert.Equal(facts, await LastFactAsync());
        Assert.Null(await ScoreAsync("attendees", "A-1"));
        // The lane's and the desk's own scanner credentials still admit and award: nothing was used up.
        Assert.Equal("admitted", (await _expo.Scanner.ScanAsync("G01", _expo.Badges["A-2"])).Result);
        Assert.Equal("awarded", (await CompleteAsync(_expo.Badges["A-1"])).Result);
    }

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+1 555 0100", "'+1 555 0100")]
    [InlineData("-2 tickets", "'-2 tickets")]
    [InlineData("@cmd", "'@cmd")]
    [InlineData("wants a demo", "wants a demo")]
    public void A_notes_cell_a_spreadsheet_would_take_for_a_formula_is_exported_as_text(string notes, string cell) =>
        Assert.Equal(cell, Venue.Edge.Telemetry.TelemetryEndpoints.Csv(notes));

    [Fact]
    public async Task A_challenge_completed_twice_is_awarded_then_already_awarded_and_its_points_count_once()
    {
        var first = await CompleteAsync(_expo.Badges["A-2"]);
        var second = await CompleteAsync(_expo.Badges["A-2"]);

        Assert.True(first.Status == HttpStatusCode.OK, first.ToString());
        Assert.Equal(("awarded", "already_awarded"), (first.Result, second.Result));
        Assert.Equal(Expo.ChallengePoints, first.Json.GetProperty("entry").GetProperty("score").GetInt64());
        Assert.Equal(Expo.ChallengePoints, await ScoreAsync("attendees", "A-2"));
        var top = await _expo.OkJsonAsync("/v1/leaderboards/attendees", _expo.Scanner);
        var entry = Assert.Single(top.GetProperty("top").EnumerateArray());
        Assert.Equal(("A-2", (long)Expo.ChallengePoints, 1), (entry.GetProperty("id").GetString(), entry.GetProperty("score").GetInt64(), entry.GetProperty("rank").GetInt32()));
    }

    [Fact]
    public async Task A_completion_retried_with_its_nonce_answers_awarded_again_and_a_new_nonce_already_awarded()
    {
        var nonce = ScannerClient.NewNonce();
        var first = await CompleteAsync(_expo.Badges["A-2"], nonce: nonce);
        var retry = await CompleteAsync(_expo.Badges["A-2"], nonce: nonce);
        var again = await CompleteAsync(_expo.Badges["A-2"]);

        Assert.Equal(("awarded", "awarded", "already_awarded"), (first.Result, retry.Result, again.Result));
        Assert.Equal(Expo.ChallengePoints, retry.Json.GetProperty("entry").GetProperty("score").GetInt64());
        Assert.Equal(Expo.ChallengePoints, await ScoreAsync("attendees", "A-2"));
    }

    [Fact]
    public async Task An_unknown_challenge_leaderboard_entry_or_zone_is_404_and_a_top_out_of_range_is_400_each_with_a_problem_body()
    {
        ReadsOverHttpTests.Problem(await CompleteAsync(_expo.Badges["A-1"], "no-such-challenge"), HttpStatusCode.NotFound);
        ReadsOverHttpTests.Problem(await _expo.Scanner.GetAsync("/v1/leaderboards/sessions"), HttpStatusCode.NotFound);
        ReadsOverHttpTests.Problem(await _expo.Ops.GetAsync("/v1/leaderboards/exhibitors/entries/B1"), HttpStatusCode.NotFound);
        ReadsOverHttpTests.Problem(await _expo.Ops.GetAsync("/v1/leaderboards/attendees/entries/nobody"), HttpStatusCode.NotFound);
        ReadsOverHttpTests.Problem(await _expo.Ops.GetAsync("/v1/leaderboards/attendees?top=0"), HttpStatusCode.BadRequest);
        ReadsOverHttpTests.Problem(await _expo.Ops.GetAsync("/v1/leaderboards/attendees?top=1001"), HttpStatusCode.BadRequest);
        ReadsOverHttpTests.Problem(await _expo.Ops.GetAsync("/v1/zones/nowhere"), HttpStatusCode.NotFound);
        ReadsOverHttpTests.Problem(await _expo.Ops.GetAsync("/v1/zones/nowhere/occupants"), HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("nobody")]
    [InlineData("a-1")]
    [InlineData("A-1%01")]
    public async Task The_location_of_an_attendee_not_in_the_ledger_is_404_with_a_problem_body(string attendeeId)
    {
        var unknown = await _expo.Ops.GetAsync($"/v1/attendees/{attendeeId}/location");
        var known = await _expo.Ops.GetAsync("/v1/attendees/A-1/location");

        ReadsOverHttpTests.Problem(unknown, HttpStatusCode.NotFound);
        Assert.Contains("not in this edge's ledger", unknown.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(known.Status == HttpStatusCode.OK, known.ToString());
    }

    [Theory]
    [InlineData("token")]
    [InlineData("Token")]
    [InlineData("nonce")]
    public async Task A_lead_or_challenge_body_giving_a_field_twice_is_400_and_nothing_is_recorded(string again)
    {
        var fact = await LastFactAsync();
        var nonce = ScannerClient.NewNonce();
        var lead = Lead(_expo.Badges["A-1"], 3, "demo", nonce)[..^1] + $",\"{again}\":\"{(again == "nonce" ? ScannerClient.NewNonce() : _expo.Badges["A-2"])}\"}}";
        var challenge = JsonSerializer.Serialize(new { token = _expo.Badges["A-1"], nonce })[..^1] + $",\"{again}\":\"{(again == "nonce" ? ScannerClient.NewNonce() : _expo.Badges["A-2"])}\"}}";

        var captured = await CaptureAsync(lead);
        var completed = await _expo.Scanner.PostAsync($"/v1/challenges/{Expo.Challenge}/completions", challenge);

        Assert.Contains($"'{again}'", ReadsOverHttpTests.Problem(captured, HttpStatusCode.BadRequest).GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"'{again}'", ReadsOverHttpTests.Problem(completed, HttpStatusCode.BadRequest).GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(fact, await LastFactAsync());
        Assert.Equal(0, (await BoothAsync()).GetProperty("leads").GetInt32());
    }

    [Theory]
    [InlineData("/v1/zones")]
    [InlineData("/v1/zones/room-1")]
    [InlineData("/v1/zones/room-1/occupants")]
    [InlineData("/v1/attendees/A-1/location")]
    [InlineData("/v1/portals")]
    [InlineData("/v1/booths/B1/leads")]
    public async Task Zones_locations_portals_and_lead_exports_are_for_ops_and_a_scanner_gets_403(string path)
    {
        var scanner = await _expo.Scanner.GetAsync(path);
        var reader = await _expo.ZebraReader.GetAsync(path);
        var ops = await _expo.Ops.GetAsync(path);

        ReadsOverHttpTests.Problem(scanner, HttpStatusCode.Forbidden);
        ReadsOverHttpTests.Problem(reader, HttpStatusCode.Forbidden);
        Assert.True(ops.Status == HttpStatusCode.OK, ops.ToString());
    }
}
