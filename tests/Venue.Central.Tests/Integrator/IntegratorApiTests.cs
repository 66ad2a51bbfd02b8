using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Venue.Domain.Central;
using Venue.Domain.Tickets;

namespace Venue.Central.Tests.Integrator;

/// <summary>The integrator API over real HTTP: attendees, imports, tickets, keys, scopes and rate limits.</summary>
public sealed class IntegratorApiTests : IAsyncLifetime
{
    private IntegratorHost _central = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _central = await IntegratorHost.StartAsync(new Dictionary<string, string?>
        {
            ["Central:Integrator:MaxImportRows"] = "100",
            ["Central:Integrator:MaxImportBytes"] = "65536",
        });
        _api = _central.Client(await _central.CreateKeyAsync(ApiScope.All.ToArray()));
    }

    public async Task DisposeAsync() => await _central.DisposeAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static StringContent Csv(string csv) => new(csv, Encoding.UTF8, "text/csv");

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(Task<HttpResponseMessage> request)
    {
        var response = await request;
        var text = await response.Content.ReadAsStringAsync();
        var body = text.Length > 0 && (response.Content.Headers.ContentType?.MediaType?.Contains("json", StringComparison.Ordinal) ?? false)
            ? JsonDocument.Parse(text).RootElement.Clone()
            : default;
        return (response.StatusCode, body, response);
    }

    /// <summary>An RFC 9457 body of the status, with a title and a detail.</summary>
    private static JsonElement AssertProblem(HttpStatusCode expected, (HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response) answer)
    {
        Assert.True(expected == answer.Status, $"expected {(int)expected}, got {(int)answer.Status}: {answer.Body}");
        Assert.Equal("application/problem+json", answer.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)expected, answer.Body.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(answer.Body.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(answer.Body.GetProperty("detail").GetString()), $"a problem says what is wrong: {answer.Body}");
        return answer.Body;
    }

    [Fact]
    public async Task A_walk_in_is_registered_with_a_signed_badge_and_can_be_read_back()
    {
        var created = await SendAsync(_api.PostAsync("/v1/attendees", Json("""{"name": "Ada Lovelace", "ticketType": "vip", "email": "ada@example.com"}""")));

        Assert.Equal(HttpStatusCode.Created, created.Status);
        var id = created.Body.GetProperty("id").GetString()!;
        Assert.Equal($"/v1/attendees/{id}", created.Response.Headers.Location?.OriginalString);
        var token = created.Body.GetProperty("token").GetString()!;
        Assert.True(BadgeToken.TryDecode(token, out var badge, out _));
        Assert.Equal(("test-event", id, "vip"), (badge.Claims.EventId, badge.Claims.AttendeeId, badge.Claims.TicketType));
        Assert.Equal(TokenHash.Format(TokenHash.Of(token)), created.Body.GetProperty("tokenHash").GetString());
        Assert.Equal("active", created.Body.GetProperty("status").GetString());

        var read = await SendAsync(_api.GetAsync($"/v1/attendees/{id}"));
        Assert.Equal(HttpStatusCode.OK, read.Status);
        Assert.Equal(created.Body.ToString(), read.Body.ToString());
        Assert.True(created.Body.GetProperty("version").GetInt64() <= _central.Silo.Feed.LedgerVersion, "edges are told about the new ledger version");
    }

    [Fact]
    public async Task Patch_changes_only_what_it_names_and_a_new_ticket_type_means_a_new_badge()
    {
        var created = await SendAsync(_api.PostAsync("/v1/attendees", Json("""{"id": "A1", "name": "Ada", "ticketType": "general", "company": "Engines"}""")));

        var patched = await SendAsync(_api.PatchAsync("/v1/attendees/A1", Json("""{"ticketType": "vip", "company": null}""")));

        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Equal("Ada", patched.Body.GetProperty("name").GetString());
        Assert.False(patched.Body.TryGetProperty("company", out var company) && company.ValueKind != JsonValueKind.Null);
        Assert.NotEqual(created.Body.GetProperty("token").GetString(), patched.Body.GetProperty("token").GetString());
        var changes = await _central.Silo.Store.ReadLedgerChangesAsync(created.Body.GetProperty("version").GetInt64(), 10);
        Assert.Equal([TokenHash.Of(created.Body.GetProperty("token").GetString()!)], changes.RevokedTokens);
    }

    [Fact]
    public async Task A_revoked_attendee_has_no_printable_ticket_and_cannot_be_patched()
    {
        await _api.PostAsync("/v1/attendees", Json("""{"id": "A1", "name": "Ada", "ticketType": "general"}"""));

        var png = await _api.GetAsync("/v1/attendees/A1/ticket.png");
        var svg = await _api.GetAsync("/v1/attendees/A1/ticket.svg");
        var revoked = await SendAsync(_api.PostAsync("/v1/attendees/A1/revoke", null));

        Assert.Equal(("image/png", "image/svg+xml"), (png.Content.Headers.ContentType?.MediaType, svg.Content.Headers.ContentType?.MediaType));
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await png.Content.ReadAsByteArrayAsync())[..4]);
        Assert.StartsWith("<svg", (await svg.Content.ReadAsStringAsync()).TrimStart());
        Assert.Equal("revoked", revoked.Body.GetProperty("status").GetString());
        AssertProblem(HttpStatusCode.Conflict, await SendAsync(_api.GetAsync("/v1/attendees/A1/ticket.png")));
        AssertProblem(HttpStatusCode.Conflict, await SendAsync(_api.PatchAsync("/v1/attendees/A1", Json("""{"name": "Back"}"""))));
    }

    [Fact]
    public async Task Unknown_attendees_are_404_problems()
    {
        AssertProblem(HttpStatusCode.NotFound, await SendAsync(_api.GetAsync("/v1/attendees/nobody")));
        AssertProblem(HttpStatusCode.NotFound, await SendAsync(_api.PatchAsync("/v1/attendees/nobody", Json("""{"name": "x"}"""))));
        AssertProblem(HttpStatusCode.NotFound, await SendAsync(_api.PostAsync("/v1/attendees/nobody/revoke", null)));
        AssertProblem(HttpStatusCode.NotFound, await SendAsync(_api.GetAsync("/v1/attendees/nobody/ticket.svg")));
    }

    [Fact]
    public async Task A_bad_single_attendee_is_a_400_naming_each_field_and_an_existing_id_a_409()
    {
        var bad = AssertProblem(HttpStatusCode.BadRequest,
            await SendAsync(_api.PostAsync("/v1/attendees", Json("""{"name": "", "ticketType": "gold", "favouriteColour": "blue"}"""))));
        await _api.PostAsync("/v1/attendees", Json("""{"id": "A1", "name": "Ada", "ticketType": "general"}"""));
        var taken = await SendAsync(_api.PostAsync("/v1/attendees", Json("""{"id": "A1", "name": "Grace", "ticketType": "general"}""")));

        Assert.Equal(["favouriteColour"], bad.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()));
        AssertProblem(HttpStatusCode.Conflict, taken);
        Assert.Equal(1, await _central.Silo.Store.CountAttendeesAsync());
    }

    [Theory]
    [InlineData("""{"name": "\ud800", "ticketType": "general"}""", "name")]
    [InlineData("""{"name": "Ada", "ticketType": "general", "gates": ["\udc00"]}""", "gates")]
    public async Task An_escaped_half_surrogate_is_a_400_naming_its_field_and_stores_nothing(string body, string field)
    {
        var bad = AssertProblem(HttpStatusCode.BadRequest, await SendAsync(_api.PostAsync("/v1/attendees", Json(body))));
        var nameless = AssertProblem(HttpStatusCode.BadRequest,
            await SendAsync(_api.PostAsync("/v1/attendees", Json("""{"\udc00": 1, "name": "Ada", "ticketType": "general"}"""))));
        var import = await SendAsync(_api.PostAsync("/v1/attendees/import",
            Json("[" + """{"id": "A1", "name": "Ada", "ticketType": "general"}""" + ", " + body + "]")));

        var error = Assert.Single(bad.GetProperty("errors").EnumerateArray());
        Assert.Equal(field, error.GetProperty("field").GetString());
        Assert.Contains("surrogate", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("surrogate", nameless.GetProperty("errors")[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, import.Status);
        Assert.Equal((1, 1), (import.Body.GetProperty("imported").GetInt32(), import.Body.GetProperty("failed").GetInt32()));
        Assert.Equal(1, await _central.Silo.Store.CountAttendeesAsync());
    }

    [Fact]
    public async Task Field_errors_come_together_when_the_shape_is_right()
    {
        var bad = AssertProblem(HttpStatusCode.BadRequest,
            await SendAsync(_api.PostAsync("/v1/attendees", Json("""{"name": "", "ticketType": "gold", "email": "x"}"""))));

        Assert.Equal(["email", "name", "ticketType"], bad.GetProperty("errors").EnumerateArray().Select(e => e.GetProperty("field").GetString()!).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_CSV_import_with_good_and_bad_rows_keeps_the_good_ones_and_reports_the_bad_ones()
    {
        var csv = "\uFEFFid,name,email,ticket_type,validFrom,validUntil\r\n" +
                  "A1,Ada Lovelace,ada@example.com,general,,\r\n" +
                  "A2,Grace Hopper,grace@,vip,,\r\n" +
                  "A3,\"Turing, Alan\",,day-pass,2030-06-01T08:00:00Z,2030-06-01T20:00:00Z\r\n" +
                  "A4,\"Broken \"quote,,general,,\r\n" +
                  "A5,Edsger Dijkstra,,general,2030-06-02T00:00:00Z,2030-06-01T00:00:00Z\r\n";

        var answer = await SendAsync(_api.PostAsync("/v1/attendees/import", Csv(csv)));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.Equal((2, 3), (answer.Body.GetProperty("imported").GetInt32(), answer.Body.GetProperty("failed").GetInt32()));
        var errors = answer.Body.GetProperty("errors").EnumerateArray()
            .Select(e => (e.GetProperty("row").GetInt32(), e.GetProperty("line").GetInt64(), e.TryGetProperty("field", out var f) ? f.GetString() : null))
            .ToList();
        Assert.Equal([(2, 3L, "email"), (4, 5L, null), (5, 6L, "validUntil")], errors);
        Assert.NotNull(await _central.Silo.Store.GetAttendeeAsync("A1"));
        Assert.Equal("Turing, Alan", (await _central.Silo.Store.GetAttendeeAsync("A3"))!.Name);
        Assert.Equal(2, await _central.Silo.Store.CountAttendeesAsync());
    }

    [Fact]
    public async Task A_JSON_import_reports_an_unknown_field_against_its_row()
    {
        var json = """
            [
              {"id": "A1", "name": "Ada", "ticketType": "general"},
              {"id": "A2", "name": "Grace", "ticketType": "general", "tshirt": "M"},
              {"id": "A3", "name": "Alan", "ticketType": "vip", "gates": ["G01", "S01"]}
            ]
            """;

        var answer = await SendAsync(_api.PostAsync("/v1/attendees/import", Json(json)));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var error = Assert.Single(answer.Body.GetProperty("errors").EnumerateArray());
        Assert.Equal((2, "tshirt"), (error.GetProperty("row").GetInt32(), error.GetProperty("field").GetString()));
        Assert.Contains("unknown field", error.GetProperty("message").GetString());
        Assert.Null(await _central.Silo.Store.GetAttendeeAsync("A2"));
        Assert.Equal(["G01", "S01"], (await _central.Silo.Store.GetAttendeeAsync("A3"))!.Gates);
    }

    [Fact]
    public async Task An_import_with_no_good_row_is_a_422_and_stores_nothing()
    {
        var answer = AssertProblem(HttpStatusCode.UnprocessableEntity,
            await SendAsync(_api.PostAsync("/v1/attendees/import", Json("""[{"name": "Ada"}, {"ticketType": "general"}]"""))));

        Assert.Equal(2, answer.GetProperty("errors").GetArrayLength());
        Assert.Equal(0, await _central.Silo.Store.CountAttendeesAsync());
    }

    [Fact]
    public async Task An_import_over_the_row_limit_is_a_413_and_stores_nothing()
    {
        var csv = "name,ticketType\n" + string.Concat(Enumerable.Range(0, 101).Select(i => $"Person {i},general\n"));

        AssertProblem(HttpStatusCode.RequestEntityTooLarge, await SendAsync(_api.PostAsync("/v1/attendees/import", Csv(csv))));

        Assert.Equal(0, await _central.Silo.Store.CountAttendeesAsync());
        Assert.Equal(0, await _central.Silo.Store.GetLedgerVersionAsync());
    }

    [Fact]
    public async Task An_import_over_the_byte_limit_is_a_413_even_without_a_declared_length()
    {
        // Chunked: no Content-Length, so the limit must be counted while reading.
        var json = "[" + string.Join(",", Enumerable.Range(0, 90).Select(i => $$"""{"name": "Person {{i}} {{new string('x', 800)}}", "ticketType": "general"}""")) + "]";
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/attendees/import") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        AssertProblem(HttpStatusCode.RequestEntityTooLarge, await SendAsync(_api.SendAsync(request)));

        Assert.Equal(0, await _central.Silo.Store.CountAttendeesAsync());
    }

    [Fact]
    public async Task Unreadable_imports_are_400_and_store_nothing()
    {
        var noHeader = AssertProblem(HttpStatusCode.BadRequest, await SendAsync(_api.PostAsync("/v1/attendees/import", Csv("A1,Ada,general\n"))));
        AssertProblem(HttpStatusCode.BadRequest, await SendAsync(_api.PostAsync("/v1/attendees/import", Json("""[{"name": "Ada", "ticketType": "general"}, {"name": """))));
        AssertProblem(HttpStatusCode.BadRequest, await SendAsync(_api.PostAsync("/v1/attendees/import", Json("""{"name": "Ada"}"""))));

        Assert.Contains(noHeader.GetProperty("errors").EnumerateArray(), e => e.GetProperty("message").GetString()!.Contains("unknown column", StringComparison.Ordinal));
        Assert.Equal(0, await _central.Silo.Store.CountAttendeesAsync());
    }

    [Fact]
    public async Task A_CSV_header_of_tens_of_thousands_of_columns_gets_a_short_400_and_stores_nothing()
    {
        // Under the body limit; before the reader bounded records, each empty column became an error in the answer (megabytes).
        var csv = "name,ticketType" + new string(',', 60_000) + "\nAda,general\n";

        var answer = await SendAsync(_api.PostAsync("/v1/attendees/import", Csv(csv)));

        var problem = AssertProblem(HttpStatusCode.BadRequest, answer);
        Assert.True(problem.ToString().Length < 10_000, $"the problem is {problem.ToString().Length:N0} characters");
        Assert.Contains("more than 256 fields", problem.ToString(), StringComparison.Ordinal);
        Assert.Equal(0, await _central.Silo.Store.CountAttendeesAsync());
    }

    [Fact]
    public async Task A_JSON_attendee_of_thousands_of_unknown_fields_lists_only_the_first_twenty_problems()
    {
        var fields = string.Join(",", Enumerable.Range(0, 4_000).Select(i => $"\"f{i}\":1"));
        var json = $$"""[{"name":"Ada","ticketType":"general",{{fields}}},{"name":"Grace","ticketType":"general"}]""";

        var answer = await SendAsync(_api.PostAsync("/v1/attendees/import", Json(json)));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var errors = answer.Body.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal(21, errors.Count);
        Assert.All(errors, e => Assert.Equal(1, e.GetProperty("row").GetInt32()));
        Assert.Contains("not listed", errors[^1].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await _central.Silo.Store.CountAttendeesAsync());
    }

    [Fact]
    public async Task A_CSV_that_is_not_UTF8_is_refused_whole_rather_than_stored_with_replacement_characters()
    {
        // What a spreadsheet saved as Latin-1 / Windows-1252 sends: 'é' and 'ü' as single bytes.
        var content = new ByteArrayContent(Encoding.Latin1.GetBytes("id,name,ticketType\r\nJ0,Jane Doe,general\r\nJ1,José Müller,general\r\n"));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");

        var problem = AssertProblem(HttpStatusCode.BadRequest, await SendAsync(_api.PostAsync("/v1/attendees/import", content)));

        Assert.Contains("not UTF-8", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("0xE9", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await _central.Silo.Store.CountAttendeesAsync());
    }

    [Theory]
    [InlineData("08:00")]
    [InlineData("12/11/2030")]
    [InlineData("Sunday, 22 December 2030")]
    [InlineData("2030-06-01T08:00:00+0200")]
    public async Task A_validity_that_is_not_ISO_8601_is_a_400_and_changes_nothing(string text)
    {
        Assert.Equal(HttpStatusCode.Created, (await _api.PostAsync("/v1/attendees", Json("""{"id":"A1","name":"Ada","ticketType":"general"}"""))).StatusCode);

        var problem = AssertProblem(HttpStatusCode.BadRequest, await SendAsync(_api.PatchAsync("/v1/attendees/A1", Json($$"""{"validUntil":"{{text}}"}"""))));

        Assert.Equal("validUntil", Assert.Single(problem.GetProperty("errors").EnumerateArray()).GetProperty("field").GetString());
        Assert.Null((await _central.Silo.Store.GetAttendeeAsync("A1"))!.ValidUntil);
    }

    [Theory]
    [InlineData("2030-06-01", "2030-06-01T00:00:00+00:00")]
    [InlineData("2030-06-01 08:30", "2030-06-01T08:30:00+00:00")]
    [InlineData("2030-06-01T08:30:15.9+02:00", "2030-06-01T06:30:15+00:00")]
    public async Task ISO_8601_validity_with_a_date_a_space_or_an_offset_is_taken_as_written(string text, string stored)
    {
        var created = await SendAsync(_api.PostAsync("/v1/attendees", Json($$"""{"id":"A1","name":"Ada","ticketType":"general","validUntil":"{{text}}"}""")));

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal(DateTimeOffset.Parse(stored, System.Globalization.CultureInfo.InvariantCulture), (await _central.Silo.Store.GetAttendeeAsync("A1"))!.ValidUntil);
    }

    [Theory]
    [InlineData("\u200B", "is required")]
    [InlineData("Ada\u2028Lovelace", "direction overrides")]
    [InlineData("Ada\u202ELovelace", "direction overrides")]
    [InlineData("Ada\u2066Lovelace", "direction overrides")]
    public async Task A_name_of_only_invisible_characters_or_with_a_line_separator_or_direction_override_is_a_400(string name, string says)
    {
        var problem = AssertProblem(HttpStatusCode.BadRequest,
            await SendAsync(_api.PostAsync("/v1/attendees", Json($$"""{"name":"{{name}}","ticketType":"general"}"""))));

        var error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal("name", error.GetProperty("field").GetString());
        Assert.Contains(says, error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await _central.Silo.Store.CountAttendeesAsync());
    }

    [Fact]
    public async Task A_name_with_a_zero_width_non_joiner_as_Persian_names_need_is_taken()
    {
        var created = await SendAsync(_api.PostAsync("/v1/attendees", Json("""{"id":"P1","name":"Ali‌Reza","ticketType":"general"}""")));

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.Equal("Ali\u200CReza", (await _central.Silo.Store.GetAttendeeAsync("P1"))!.Name);
    }

    [Fact]
    public async Task A_single_attendee_body_that_starts_with_a_byte_order_mark_is_read_as_JSON()
    {
        var content = new ByteArrayContent([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("""{"id":"B1","name":"Ada","ticketType":"general"}""")]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var created = await SendAsync(_api.PostAsync("/v1/attendees", content));

        Assert.Equal(HttpStatusCode.Created, created.Status);
        Assert.NotNull(await _central.Silo.Store.GetAttendeeAsync("B1"));
    }

    [Fact]
    public async Task An_import_of_another_media_type_is_a_415()
    {
        var xml = new StringContent("<attendees/>", Encoding.UTF8, "application/xml");

        AssertProblem(HttpStatusCode.UnsupportedMediaType, await SendAsync(_api.PostAsync("/v1/attendees/import", xml)));
        AssertProblem(HttpStatusCode.UnsupportedMediaType, await SendAsync(_api.PostAsync("/v1/attendees", new StringContent("name=Ada", Encoding.UTF8, "text/plain"))));
    }

    [Fact]
    public async Task An_address_guessing_api_keys_gets_429_after_thirty_failures_while_a_key_it_just_used_keeps_working()
    {
        // A key in use from this address before the guessing starts: remembered, so not held up.
        Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync("/v1/stats")).StatusCode);
        var guesser = _central.Client("vak_0123456789ab_notasecret");
        for (var i = 0; i < Venue.Central.Security.ApiKeyThrottle.FailuresAllowed; i++)
        {
            AssertProblem(HttpStatusCode.Unauthorized, await SendAsync(guesser.GetAsync("/v1/stats")));
        }

        var throttled = AssertProblem(HttpStatusCode.TooManyRequests, await SendAsync(guesser.GetAsync("/v1/stats")));
        var newKey = await SendAsync(_central.Client(await _central.CreateKeyAsync(ApiScope.StatsRead)).GetAsync("/v1/stats"));

        Assert.Contains("try again in", throttled.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync("/v1/stats")).StatusCode);
        // A key this address has not used yet waits out the minute with the guesses: its check would be a store read like theirs.
        AssertProblem(HttpStatusCode.TooManyRequests, newKey);
        Assert.True(newKey.Response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "429 says when to try again");
    }

    [Fact]
    public async Task Without_a_key_the_answer_is_401()
    {
        var answer = AssertProblem(HttpStatusCode.Unauthorized, await SendAsync(_central.Client(null).GetAsync("/v1/stats")));

        Assert.Contains("Bearer", answer.ToString());
    }

    [Theory]
    [InlineData("vak_nosuchkey_0000000000000000")]
    [InlineData("vdt_a-device-token")]
    [InlineData("")]
    public async Task A_bad_key_is_401(string token)
    {
        var client = _central.Client(null);
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"Bearer {token}");

        var answer = await SendAsync(client.GetAsync("/v1/stats"));

        AssertProblem(HttpStatusCode.Unauthorized, answer);
        Assert.Contains("Bearer", answer.Response.Headers.WwwAuthenticate.ToString());
    }

    [Fact]
    public async Task A_revoked_key_is_refused()
    {
        var token = await _central.CreateKeyAsync(ApiScope.StatsRead);
        var id = (await _central.Silo.Store.ListApiKeysAsync()).Single(k => token.Contains(k.Id, StringComparison.Ordinal)).Id;

        await _central.Silo.Store.RevokeApiKeyAsync(id, DateTimeOffset.UtcNow);

        AssertProblem(HttpStatusCode.Unauthorized, await SendAsync(_central.Client(token).GetAsync("/v1/stats")));
    }

    [Fact]
    public async Task A_key_without_the_scope_is_403_naming_the_scope_and_nothing_changes()
    {
        var reader = _central.Client(await _central.CreateKeyAsync(ApiScope.AttendeesRead));

        var answer = AssertProblem(HttpStatusCode.Forbidden,
            await SendAsync(reader.PostAsync("/v1/attendees", Json("""{"name": "Ada", "ticketType": "general"}"""))));

        Assert.Contains(ApiScope.AttendeesWrite, answer.GetProperty("detail").GetString());
        Assert.Equal(0, await _central.Silo.Store.CountAttendeesAsync());
        Assert.Equal(HttpStatusCode.NotFound, (await reader.GetAsync("/v1/attendees/A1")).StatusCode);
    }

    [Fact]
    public async Task A_key_over_its_rate_is_429_with_retry_after_and_other_keys_go_on()
    {
        var slow = _central.Client(await _central.CreateKeyAsync(3, ApiScope.StatsRead));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await slow.GetAsync("/v1/stats")).StatusCode);
        }

        var refused = AssertProblem(HttpStatusCode.TooManyRequests, await SendAsync(slow.GetAsync("/v1/stats")));
        var limited = await slow.GetAsync("/v1/stats");
        Assert.InRange(limited.Headers.RetryAfter?.Delta?.TotalSeconds ?? 0, 1, 20);
        Assert.Contains("3 requests per minute", refused.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _api.GetAsync("/v1/stats")).StatusCode);
    }

    [Fact]
    public async Task Stats_silos_and_conflicts_answer_in_their_wire_shape()
    {
        await _api.PostAsync("/v1/attendees/import", Csv("name,ticketType\nAda,general\nGrace,vip\n"));

        var stats = await SendAsync(_api.GetAsync("/v1/stats"));
        var silos = await SendAsync(_api.GetAsync("/v1/silos"));
        var conflicts = await SendAsync(_api.GetAsync("/v1/conflicts?after=0&limit=10"));

        Assert.Equal(("test-event", 2L), (stats.Body.GetProperty("eventId").GetString(), stats.Body.GetProperty("registered").GetInt64()));
        Assert.Equal(0, stats.Body.GetProperty("checkIns").GetProperty("entries").GetInt64());
        Assert.Equal(JsonValueKind.Array, silos.Body.GetProperty("silos").ValueKind);
        Assert.Equal((0, 0L, false), (conflicts.Body.GetProperty("conflicts").GetArrayLength(), conflicts.Body.GetProperty("nextCursor").GetInt64(), conflicts.Body.GetProperty("more").GetBoolean()));
        AssertProblem(HttpStatusCode.BadRequest, await SendAsync(_api.GetAsync("/v1/conflicts?limit=0")));
        AssertProblem(HttpStatusCode.NotFound, await SendAsync(_api.PostAsync("/v1/conflicts/99/acknowledge", null)));
        // Not a number: still this API's 404, with a detail that says what an id looks like.
        var notANumber = AssertProblem(HttpStatusCode.NotFound, await SendAsync(_api.PostAsync("/v1/conflicts/abc/acknowledge", null)));
        Assert.Contains("whole numbers", notANumber.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Central_health_is_anonymous_and_tells_nobody_how_many_are_inside()
    {
        await _api.PostAsync("/v1/attendees/import", Csv("name,ticketType\nAda,general\n"));
        using var anonymous = _central.Client(null);

        var health = await SendAsync(anonymous.GetAsync("/healthz"));
        var stats = await SendAsync(_api.GetAsync("/v1/stats"));

        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.Equal(["siloId", "status", "store"], health.Body.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/stats")).StatusCode);
        // What /healthz no longer says is the key holders': the event, its counts and the change feed's position.
        Assert.Equal(("test-event", 0L, 0L), (stats.Body.GetProperty("eventId").GetString(), stats.Body.GetProperty("inside").GetInt64(), stats.Body.GetProperty("feedId").GetInt64()));
        Assert.True(stats.Body.GetProperty("ledgerVersion").GetInt64() > 0, stats.Body.ToString());
    }

    [Fact]
    public async Task The_OpenAPI_document_lists_the_integrator_endpoints_and_no_others()
    {
        var answer = await SendAsync(_central.Client(null).GetAsync("/v1/openapi.json"));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        var paths = answer.Body.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/v1/attendees/import", paths);
        Assert.Contains("/v1/attendees/{id}/ticket.png", paths);
        Assert.Contains("/v1/checkins", paths);
        Assert.Contains("/v1/webhooks/{id}", paths);
        Assert.DoesNotContain(paths, p => p.StartsWith("/v1/sync", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Both_OpenAPI_documents_list_401_and_403_on_every_endpoint_behind_a_credential()
    {
        var integrator = (await SendAsync(_central.Client(null).GetAsync("/v1/openapi.json"))).Body.GetProperty("paths");
        var silo = (await SendAsync(_central.Client(null).GetAsync("/openapi/v1.json"))).Body.GetProperty("paths");

        foreach (var (path, method, responses) in new[] { integrator, silo }.SelectMany(paths => paths.EnumerateObject()
            .SelectMany(p => p.Value.EnumerateObject().Select(o => (p.Name, o.Name, o.Value.GetProperty("responses"))))))
        {
            var open = path is "/healthz" or "/console/api/login" || path.StartsWith("/console/", StringComparison.Ordinal) && !path.StartsWith("/console/api/", StringComparison.Ordinal);
            Assert.True(open || (responses.TryGetProperty("401", out _) && responses.TryGetProperty("403", out _)),
                $"{method.ToUpperInvariant()} {path} lists {string.Join(", ", responses.EnumerateObject().Select(r => r.Name))}");
        }

        // The change feed's bad cursors and waits.
        Assert.True(silo.GetProperty("/v1/sync/changes").GetProperty("get").GetProperty("responses").TryGetProperty("400", out _));
    }

    [Fact]
    public async Task The_OpenAPI_document_gives_the_check_in_export_all_three_of_its_content_types()
    {
        var answer = await SendAsync(_central.Client(null).GetAsync("/v1/openapi.json"));

        var responses = answer.Body.GetProperty("paths").GetProperty("/v1/checkins").GetProperty("get").GetProperty("responses");
        var types = responses.TryGetProperty("200", out var ok) && ok.TryGetProperty("content", out var content)
            ? content.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList()
            : [];
        Assert.True(types is ["application/json", "application/x-ndjson", "text/csv"], $"the 200 answer of /v1/checkins: {responses}");
    }

    [Fact]
    public async Task The_location_of_a_new_webhook_answers_it_without_its_secret_and_an_unknown_id_is_404()
    {
        var created = await SendAsync(_api.PostAsync("/v1/webhooks", Json("""{"url": "https://crm.example.com/venue", "eventTypes": ["attendee.registered"]}""")));
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var location = created.Response.Headers.Location!.OriginalString;

        var read = await SendAsync(_api.GetAsync(location));

        Assert.True(read.Status == HttpStatusCode.OK, $"{(int)read.Status}: {read.Body}");
        Assert.Equal(created.Body.GetProperty("id").GetString(), read.Body.GetProperty("id").GetString());
        Assert.Equal("https://crm.example.com/venue", read.Body.GetProperty("url").GetString());
        Assert.Equal("attendee.registered", read.Body.GetProperty("eventTypes")[0].GetString());
        Assert.False(read.Body.TryGetProperty("secret", out _), "a secret is shown once, at creation");
        Assert.DoesNotContain(created.Body.GetProperty("secret").GetString()!, read.Body.ToString(), StringComparison.Ordinal);
        Assert.Contains("nope", AssertProblem(HttpStatusCode.NotFound, await SendAsync(_api.GetAsync("/v1/webhooks/nope"))).GetProperty("detail").GetString());
        var stats = _central.Client(await _central.CreateKeyAsync(ApiScope.StatsRead));
        AssertProblem(HttpStatusCode.Forbidden, await SendAsync(stats.GetAsync(location)));
    }

    [Theory]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://127.0.0.1:8080/admin")]
    [InlineData("http://localhost/hook")]
    [InlineData("https://10.0.0.5/hook")]
    [InlineData("http://[::1]/hook")]
    [InlineData("http://[fd12::1]/hook")]
    public async Task A_webhook_to_a_loopback_link_local_or_private_address_is_refused_unless_central_allows_them(string url)
    {
        await using var strict = await IntegratorHost.StartAsync(new Dictionary<string, string?> { ["Central:Webhooks:AllowPrivateAddresses"] = "false" });
        var api = strict.Client(await strict.CreateKeyAsync(ApiScope.WebhooksWrite));

        var answer = AssertProblem(HttpStatusCode.BadRequest,
            await SendAsync(api.PostAsync("/v1/webhooks", Json($$"""{"url": "{{url}}", "eventTypes": ["attendee.registered"]}"""))));

        var error = Assert.Single(answer.GetProperty("errors").EnumerateArray());
        Assert.Equal("url", error.GetProperty("field").GetString());
        Assert.Contains("AllowPrivateAddresses", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(await strict.Silo.Store.ListWebhooksAsync());
        // A public receiver is still taken.
        Assert.Equal(HttpStatusCode.Created,
            (await api.PostAsync("/v1/webhooks", Json("""{"url": "https://crm.example.com/venue", "eventTypes": ["attendee.registered"]}"""))).StatusCode);
    }

    [Theory]
    [InlineData("""{"url": "https://crm.example.com/venue", "eventTypes": ["attendee.registered"], "url": "https://evil.example.com/"}""")]
    [InlineData("""{"url": "https://crm.example.com/venue", "eventTypes": ["attendee.registered"], "URL": "https://evil.example.com/"}""")]
    public async Task A_webhook_body_with_a_property_given_twice_is_400_and_nothing_is_registered(string body)
    {
        var answer = AssertProblem(HttpStatusCode.BadRequest, await SendAsync(_api.PostAsync("/v1/webhooks", Json(body))));

        Assert.Contains("'url'", answer.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(await _central.Silo.Store.ListWebhooksAsync());
    }
}
