using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Venue.Domain.Devices;
using Venue.Edge.Tests.Infrastructure;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Tests;

/// <summary>
/// Requests the edge must turn away with a 4xx and an RFC 9457 problem body, while it keeps
/// serving and nothing else changes: no journal entry, no counter moves.
/// </summary>
public sealed class BadRequestTests(ITestOutputHelper output)
{
    private static string Badge(EdgeScenario edge) => edge.Ledger.Issue("W0001");

    /// <summary>
    /// Sends the bad request, checks status and problem body, checks that the journal and the
    /// gate's counters did not move, and that a good scan is still admitted afterwards.
    /// </summary>
    private static async Task<JsonElement> AssertRejectedAsync(EdgeScenario edge, HttpStatusCode expected, Func<Task<HttpAnswer>> send, string gate = "G01")
    {
        var sequence = edge.Edge.Silo.Journal.LastSequence;
        var counters = (await edge.Scanner.GetAsync("/v1/gates")).Body;

        var answer = await send();

        Assert.True(answer.Status == expected, $"expected {(int)expected}, got {answer}");
        Assert.Equal("application/problem+json", answer.MediaType);
        var problem = answer.Json;
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), $"a problem needs a title: {answer.Body}");
        Assert.Equal(sequence, edge.Edge.Silo.Journal.LastSequence);
        Assert.Equal(counters, (await edge.Scanner.GetAsync("/v1/gates")).Body);
        Assert.Equal(sequence, edge.Journal().Count);

        var good = await edge.Scanner.ScanAsync(gate, edge.Ledger.Issue($"W{Guid.NewGuid():N}"[..20]));
        Assert.True(good.Status == HttpStatusCode.OK && good.Result == "admitted", $"the edge should keep serving after a {(int)expected}: {good}");
        return problem;
    }

    private static void AssertHasDetail(JsonElement problem) =>
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()), $"a problem should say what was wrong: {problem}");

    [Theory]
    [InlineData("{\"token\": \"VN1.abc\", \"direction\": \"entry\"")]
    [InlineData("not json at all")]
    [InlineData("[1, 2, 3]")]
    [InlineData("null")]
    [InlineData("{\"token\": 42, \"direction\": \"entry\", \"nonce\": \"n\", \"scannedAt\": \"2030-01-01T00:00:00Z\"}")]
    [InlineData("{\"token\": \"VN1.abc\", \"direction\": \"entry\", \"nonce\": \"n\", \"scannedAt\": \"yesterday\"}")]
    [InlineData("")]
    public async Task Malformed_JSON_is_rejected_with_400_and_a_problem_body(string body)
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });

        var problem = await AssertRejectedAsync(edge, HttpStatusCode.BadRequest, () => edge.Scanner.PostAsync("/v1/gates/G01/scans", body));

        AssertHasDetail(problem);
    }

    [Fact]
    public async Task Missing_fields_are_rejected_with_400_naming_each_missing_field()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });

        var problem = await AssertRejectedAsync(edge, HttpStatusCode.BadRequest, () => edge.Scanner.PostAsync("/v1/gates/G01/scans", "{}"));

        var errors = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        Assert.Equal(["direction", "nonce", "scannedAt", "token"], errors);
        AssertHasDetail(problem);
    }

    [Fact]
    public async Task A_missing_token_alone_is_named_alone()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var body = """{"direction": "entry", "nonce": "n1", "scannedAt": "2030-01-01T09:00:00Z"}""";

        var problem = await AssertRejectedAsync(edge, HttpStatusCode.BadRequest, () => edge.Scanner.PostAsync("/v1/gates/G01/scans", body));

        Assert.Equal(["token"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("sideways")]
    [InlineData("Entry")]
    [InlineData("")]
    public async Task An_unknown_direction_is_rejected_with_400(string direction)
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var body = ScannerClient.ScanJson(Badge(edge), direction, "n1");

        var problem = await AssertRejectedAsync(edge, HttpStatusCode.BadRequest, () => edge.Scanner.PostAsync("/v1/gates/G01/scans", body));

        Assert.Equal(["direction"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("n\u0000")]
    [InlineData("line\nbreak")]
    public async Task A_nonce_with_a_control_character_is_rejected_with_400_naming_nonce(string nonce)
    {
        // A NUL would reach central's PostgreSQL in the journal upload, which cannot store it.
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var body = ScannerClient.ScanJson(Badge(edge), "entry", nonce);

        var problem = await AssertRejectedAsync(edge, HttpStatusCode.BadRequest, () => edge.Scanner.PostAsync("/v1/gates/G01/scans", body));

        Assert.Equal(["nonce"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_scan_whose_body_is_not_declared_as_JSON_is_rejected_with_415(string mediaType)
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var body = ScannerClient.ScanJson(Badge(edge), "entry", "n1");

        await AssertRejectedAsync(edge, HttpStatusCode.UnsupportedMediaType,
            () => edge.Scanner.SendAsync(HttpMethod.Post, "/v1/gates/G01/scans", new StringContent(body, Encoding.UTF8, mediaType)));
    }

    [Fact]
    public async Task A_scan_without_credentials_is_401_whatever_its_content_type()
    {
        // Routing metadata (Accepts) used to answer a wrong media type with 415 before authentication ran.
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var stranger = new ScannerClient(edge.Edge.Http, deviceToken: null);
        var body = ScannerClient.ScanJson(Badge(edge), "entry", "n1");

        var answer = await stranger.SendAsync(HttpMethod.Post, "/v1/gates/G01/scans", new StringContent(body, Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.Unauthorized, answer.Status);
    }

    [Fact]
    public async Task A_scan_sent_without_a_content_type_is_rejected_with_415()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var body = new ByteArrayContent(Encoding.UTF8.GetBytes(ScannerClient.ScanJson(Badge(edge), "entry", "n1")));
        Assert.Null(body.Headers.ContentType);

        var problem = await AssertRejectedAsync(edge, HttpStatusCode.UnsupportedMediaType,
            () => edge.Scanner.SendAsync(HttpMethod.Post, "/v1/gates/G01/scans", body));

        AssertHasDetail(problem);
    }

    [Theory]
    [InlineData("2026-11-22T08:59:58")]
    [InlineData("2026-11-22T08:59:58.120")]
    [InlineData("2026-11-22")]
    public async Task A_scan_time_without_a_UTC_offset_is_rejected_with_400_naming_scannedAt(string scannedAt)
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var body = $$"""{"token": "{{Badge(edge)}}", "direction": "entry", "nonce": "n1", "scannedAt": "{{scannedAt}}"}""";

        var problem = await AssertRejectedAsync(edge, HttpStatusCode.BadRequest, () => edge.Scanner.PostAsync("/v1/gates/G01/scans", body));

        Assert.Contains("scannedAt", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2026-11-22T08:59:58.120Z")]
    [InlineData("2026-11-22T09:59:58+01:00")]
    [InlineData("2026-11-22T03:59:58-05:00")]
    public async Task A_scan_time_with_its_offset_is_recorded_as_that_instant(string scannedAt)
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var body = $$"""{"token": "{{Badge(edge)}}", "direction": "entry", "nonce": "n1", "scannedAt": "{{scannedAt}}"}""";

        var answer = await edge.Scanner.PostAsync("/v1/gates/G01/scans", body);

        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        var expected = DateTimeOffset.Parse(scannedAt, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();
        Assert.Equal(expected.UtcTicks / 10 * 10, edge.Journal()[^1].ScannedAt.UtcTicks / 10 * 10);
    }

    [Fact]
    public async Task A_one_megabyte_body_is_rejected_with_413()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var huge = ScannerClient.ScanJson(new string('A', 1 << 20), "entry", "n1");

        var problem = await AssertRejectedAsync(edge, HttpStatusCode.RequestEntityTooLarge, () => edge.Scanner.PostAsync("/v1/gates/G01/scans", huge));

        AssertHasDetail(problem);
    }

    [Fact]
    public async Task A_one_megabyte_body_sent_without_a_length_is_rejected_with_413()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var huge = Encoding.UTF8.GetBytes(ScannerClient.ScanJson(new string('A', 1 << 20), "entry", "n1"));

        await AssertRejectedAsync(edge, HttpStatusCode.RequestEntityTooLarge, () =>
        {
            // A stream of unknown length goes out chunked: the edge must count, not trust a header.
            var content = new StreamContent(new UnseekableStream(huge));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return edge.Scanner.SendAsync(HttpMethod.Post, "/v1/gates/G01/scans", content);
        });
    }

    [Fact]
    public async Task A_scan_without_credentials_gets_401_with_a_Bearer_challenge()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var anonymous = new ScannerClient(edge.Edge.Http, deviceToken: null);
        HttpAnswer? answer = null;

        var problem = await AssertRejectedAsync(edge, HttpStatusCode.Unauthorized, async () =>
            answer = await anonymous.PostAsync("/v1/gates/G01/scans", ScannerClient.ScanJson(Badge(edge), "entry", "n1")));

        Assert.Equal("Bearer", Assert.Single(answer!.Headers.WwwAuthenticate).Scheme);
        AssertHasDetail(problem);
    }

    [Theory]
    [InlineData("Bearer nonsense")]
    [InlineData("Bearer vdt_0123456789ab_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2U")]
    [InlineData("Bearer vdt_")]
    [InlineData("Basic dXNlcjpwYXNz")]
    public async Task A_wrong_or_unknown_device_token_gets_401(string authorization)
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });

        await AssertRejectedAsync(edge, HttpStatusCode.Unauthorized, () =>
        {
            var content = new StringContent(ScannerClient.ScanJson(Badge(edge), "entry", "n1"), Encoding.UTF8, "application/json");
            var request = new HttpRequestMessage(HttpMethod.Post, "/v1/gates/G01/scans") { Content = content };
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
            return SendRawAsync(edge.Edge.Http, request);
        });
    }

    [Fact]
    public async Task A_known_device_id_with_the_wrong_secret_gets_401()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        DeviceToken.TryParse(edge.Edge.ScannerToken, out var id, out _);
        var (_, other) = DeviceToken.Create();
        DeviceToken.TryParse(other, out _, out var wrongSecret);
        var impostor = new ScannerClient(edge.Edge.Http, $"{DeviceToken.Prefix}{id}_{wrongSecret}");

        await AssertRejectedAsync(edge, HttpStatusCode.Unauthorized, () => impostor.ScanAsync("G01", Badge(edge)));
    }

    [Fact]
    public async Task A_device_token_revoked_through_the_edges_store_gets_401_at_once()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var (credential, token) = await edge.Edge.Devices.CreateAsync("lane 7", DeviceRole.Scanner);
        var lane = edge.Edge.Scanner(token);
        Assert.Equal("admitted", (await lane.ScanAsync("G01", Badge(edge))).Result);

        Assert.True(await edge.Edge.Devices.RevokeAsync(credential.Id));

        await AssertRejectedAsync(edge, HttpStatusCode.Unauthorized, () => lane.ScanAsync("G01", edge.Ledger.Issue("W0002")));
    }

    [Fact]
    public async Task A_device_revoked_by_another_process_is_refused_once_the_credential_cache_has_expired()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var (credential, token) = await edge.Edge.Devices.CreateAsync("lane 8", DeviceRole.Scanner);
        var lane = edge.Edge.Scanner(token);
        Assert.Equal("admitted", (await lane.ScanAsync("G01", Badge(edge))).Result);

        // What 'venue edge devices revoke' does: its own store instance on the same devices.db. The
        // running edge has the credential cached and honours it for up to CacheFor (documented).
        var cli = new SqliteDeviceCredentialStore(Path.Combine(edge.Directory.Path, "edge", "devices.db"), TimeProvider.System);
        Assert.True(await cli.RevokeAsync(credential.Id));
        edge.Edge.Time.Advance(SqliteDeviceCredentialStore.CacheFor + TimeSpan.FromSeconds(1));

        await AssertRejectedAsync(edge, HttpStatusCode.Unauthorized, () => lane.ScanAsync("G01", edge.Ledger.Issue("W0002")));
    }

    [Theory]
    [InlineData(DeviceRole.Ops)]
    [InlineData(DeviceRole.Reader)]
    public async Task Credentials_of_other_roles_are_forbidden_on_the_scanner_API(DeviceRole role)
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var (_, token) = await edge.Edge.Devices.CreateAsync($"{role} console", role);
        var other = edge.Edge.Scanner(token);

        var problem = await AssertRejectedAsync(edge, HttpStatusCode.Forbidden, () => other.ScanAsync("G01", Badge(edge)));

        AssertHasDetail(problem);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("/v1/gates")).Status);
    }

    [Fact]
    public async Task A_scan_at_an_unknown_gate_gets_404()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });

        var problem = await AssertRejectedAsync(edge, HttpStatusCode.NotFound, () => edge.Scanner.ScanAsync("NOPE", Badge(edge)));

        Assert.Contains("NOPE", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await edge.Scanner.GetAsync("/v1/gates/NOPE")).Status);
    }

    [Fact]
    public async Task A_scanner_gets_exactly_its_allowance_in_a_burst_then_429_and_its_extra_scans_are_not_journaled()
    {
        const int Allowance = 5;
        await using var edge = await EdgeScenario.StartAsync(_ => { }, setup => setup with { ScansPerSecondPerDevice = Allowance });
        // Warmed up through another credential (buckets are per device), so the burst is not slowed by first-call costs.
        Assert.Equal(HttpStatusCode.OK, (await edge.Scanner.ScanAsync("G01", edge.Ledger.Issue("WARM"))).Status);
        var (_, token) = await edge.Edge.Devices.CreateAsync("lane 9", DeviceRole.Scanner);
        var scanner = edge.Edge.Scanner(token);

        // One after another, so "before the first 429" means something. The bucket starts full when
        // this credential's first scan arrives and gets at most one refill a second after that (the
        // limiter runs on the real clock; it takes no TimeProvider), so a burst shorter than a second
        // gets exactly the allowance, and a slow machine's longer one at most a refill more per second.
        var started = Stopwatch.GetTimestamp();
        var answers = new List<HttpAnswer>();
        for (var i = 0; i < Allowance * 3; i++)
        {
            answers.Add(await scanner.ScanAsync("G01", edge.Ledger.Issue($"R{i:D4}")));
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        output.WriteLine($"{answers.Count} scans in {elapsed.TotalMilliseconds:0} ms");
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, a.ToString()));
        Assert.All(answers.Take(Allowance), a => Assert.True(a.Status == HttpStatusCode.OK, $"a scan within the allowance was refused: {a}"));
        // 100 ms of slack for the limiter's millisecond tick count against this stopwatch.
        var refills = (int)((elapsed + TimeSpan.FromMilliseconds(100)).Ticks / TimeSpan.TicksPerSecond);
        var accepted = answers.Count(a => a.Status == HttpStatusCode.OK);
        Assert.True(accepted <= Allowance * (1 + refills),
            $"{accepted} of {answers.Count} scans accepted in {elapsed.TotalMilliseconds:0} ms; the allowance is {Allowance} a second ({refills} refills possible)");

        var limited = answers.Where(a => a.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.All(limited, a => Assert.Equal("application/problem+json", a.MediaType));
        Assert.Equal(accepted + 1, edge.Journal().Count);
        // The bucket refills every second: a limited scanner is told to come back in one.
        Assert.All(limited, a => Assert.Equal(TimeSpan.FromSeconds(1), a.Headers.RetryAfter?.Delta));
    }

    [Theory]
    [InlineData("direction", "exit")]
    [InlineData("Direction", "exit")]
    [InlineData("token", "VN1.not-a-badge")]
    public async Task A_scan_giving_a_field_twice_is_rejected_with_400_rather_than_the_last_one_winning(string again, string value)
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var scan = ScannerClient.ScanJson(Badge(edge), "entry", ScannerClient.NewNonce());
        var body = scan[..^1] + $",{JsonSerializer.Serialize(again)}:{JsonSerializer.Serialize(value)}}}";

        var problem = await AssertRejectedAsync(edge, HttpStatusCode.BadRequest, () => edge.Scanner.PostAsync("/v1/gates/G01/scans", body));

        // Names match ignoring case, so "Direction" repeats "direction" and the problem names the field as declared.
        Assert.Contains($"'{again}'", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    private static async Task<HttpAnswer> SendRawAsync(HttpClient http, HttpRequestMessage request)
    {
        using (request)
        {
            using var response = await http.SendAsync(request);
            return new HttpAnswer(response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers, response.Content.Headers.ContentType?.MediaType);
        }
    }

    /// <summary>A stream that hides its length, so HttpClient must send it chunked.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
