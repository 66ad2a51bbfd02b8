using System.Net;
using System.Text;
using System.Text.Json;
using Venue.Edge.Tests.Infrastructure;
using Venue.Edge.Tests.Telemetry;

namespace Venue.Edge.Tests;

/// <summary>The edge's OpenAPI document held against the JSON, statuses and credentials the edge really uses.</summary>
public sealed class OpenApiDocumentTests
{
    private static async Task<JsonElement> DocumentAsync(HttpClient http) =>
        (await new ScannerClient(http, deviceToken: null).GetAsync("/openapi/v1.json")).Json;

    /// <summary>The schema of an operation's 200 (or 201) JSON answer, references followed.</summary>
    private static JsonElement ResponseSchema(JsonElement document, string path, string method = "get")
    {
        var responses = document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("responses");
        var ok = responses.TryGetProperty("200", out var r) ? r : responses.GetProperty("201");
        return Resolve(document, ok.GetProperty("content").GetProperty("application/json").GetProperty("schema"));
    }

    private static JsonElement RequestSchema(JsonElement document, string path, string method = "post") =>
        Resolve(document, document.GetProperty("paths").GetProperty(path).GetProperty(method)
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));

    private static List<string> Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) ? [.. required.EnumerateArray().Select(n => n.GetString()!)] : [];

    /// <summary>A $ref followed to its component; a nullable reference (oneOf null and the $ref) to the component.</summary>
    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            return document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1]);
        }

        if (schema.TryGetProperty("oneOf", out var oneOf) && oneOf.EnumerateArray().FirstOrDefault(o => o.TryGetProperty("$ref", out _)) is { ValueKind: JsonValueKind.Object } option)
        {
            return Resolve(document, option);
        }

        return schema;
    }

    /// <summary>Every property the schema calls required that the JSON object leaves out, nested objects included.</summary>
    private static IEnumerable<string> MissingRequired(JsonElement document, JsonElement schema, JsonElement value, string at)
    {
        schema = Resolve(document, schema);
        if (value.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }

        foreach (var name in Required(schema).Where(n => !value.TryGetProperty(n, out _)))
        {
            yield return $"{at}.{name}";
        }

        if (schema.TryGetProperty("properties", out var properties))
        {
            foreach (var property in properties.EnumerateObject())
            {
                if (value.TryGetProperty(property.Name, out var inner))
                {
                    foreach (var missing in MissingRequired(document, property.Value, inner, $"{at}.{property.Name}"))
                    {
                        yield return missing;
                    }
                }
            }
        }
    }

    [Fact]
    public async Task A_refused_scan_and_a_gate_nobody_scanned_at_hold_every_property_the_document_calls_required()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var document = await DocumentAsync(edge.Edge.Http);

        // A code that is no badge: refused, with no attendee to name; a gate with no scan has no last scan.
        var refused = await edge.Scanner.ScanAsync("G01", "not-a-badge");
        var gate = await edge.Scanner.GetAsync("/v1/gates/G02");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (refused.Status, gate.Status));

        var missing = MissingRequired(document, ResponseSchema(document, "/v1/gates/{gateId}/scans", "post"), refused.Json, "scan")
            .Concat(MissingRequired(document, ResponseSchema(document, "/v1/gates/{gateId}"), gate.Json, "gate"))
            .ToList();
        Assert.True(missing.Count == 0, $"required by /openapi/v1.json but not sent: {string.Join(", ", missing)}\nscan: {refused.Body}\ngate: {gate.Body}");
    }

    [Fact]
    public async Task A_scan_request_still_requires_the_four_fields_the_edge_refuses_to_go_without()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var document = await DocumentAsync(edge.Edge.Http);

        Assert.Equal(["direction", "nonce", "scannedAt", "token"], Required(RequestSchema(document, "/v1/gates/{gateId}/scans")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_lead_needs_only_token_and_nonce_and_its_answer_holds_what_the_document_requires()
    {
        await using var expo = await Expo.StartAsync(["A0001"]);
        var document = await DocumentAsync(expo.Scenario.Edge.Http);

        var captured = await expo.BoothApp().PostAsync("/v1/booths/B1/leads", $$"""{"token":"{{expo.Badges["A0001"]}}","nonce":"lead-1"}""");

        Assert.Equal("captured", captured.Json.GetProperty("result").GetString());
        Assert.Equal(["nonce", "token"], Required(RequestSchema(document, "/v1/booths/{boothId}/leads")).Order(StringComparer.Ordinal));
        var missing = MissingRequired(document, ResponseSchema(document, "/v1/booths/{boothId}/leads", "post"), captured.Json, "lead").ToList();
        Assert.True(missing.Count == 0, $"required by /openapi/v1.json but not sent: {string.Join(", ", missing)}\n{captured.Body}");
    }

    [Fact]
    public async Task The_document_names_the_device_token_and_every_operation_behind_one_requires_it()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var document = await DocumentAsync(edge.Edge.Http);

        var bearer = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("DeviceToken");
        Assert.Equal(("http", "bearer"), (bearer.GetProperty("type").GetString(), bearer.GetProperty("scheme").GetString()));
        var without = new List<string>();
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var open = path.Name is "/healthz" or "/console/session";
                var schemes = operation.Value.TryGetProperty("security", out var security)
                    ? security.EnumerateArray().SelectMany(r => r.EnumerateObject().Select(s => s.Name)).ToList()
                    : [];
                if (open ? schemes.Count > 0 : !schemes.Contains("DeviceToken"))
                {
                    without.Add($"{operation.Name.ToUpperInvariant()} {path.Name}: [{string.Join(", ", schemes)}]");
                }
            }
        }

        Assert.True(without.Count == 0, $"security that does not match the endpoint's: {string.Join("; ", without)}");
        // A scan needs a scanner's token; the console's reads also take its session cookie.
        var scan = document.GetProperty("paths").GetProperty("/v1/gates/{gateId}/scans").GetProperty("post").GetProperty("security");
        Assert.Equal("[{\"DeviceToken\":[\"Scanner\"]}]", scan.GetRawText().Replace(" ", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal));
        var snapshot = document.GetProperty("paths").GetProperty("/console/api/snapshot").GetProperty("get").GetProperty("security");
        Assert.Equal(2, snapshot.GetArrayLength());
        var cookie = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("VenueConsole");
        Assert.Equal(("apiKey", "cookie", "venue_console_test-edge"), (cookie.GetProperty("type").GetString(), cookie.GetProperty("in").GetString(), cookie.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task A_gate_read_over_the_credentials_rate_gets_the_429_the_document_lists()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { }, setup => setup with { ScansPerSecondPerDevice = 1 });
        var document = await DocumentAsync(edge.Edge.Http);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            statuses.Add((await edge.Scanner.GetAsync("/v1/gates/G01")).Status);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        foreach (var path in new[] { "/v1/gates/{gateId}", "/v1/gates" })
        {
            var responses = document.GetProperty("paths").GetProperty(path).GetProperty("get").GetProperty("responses");
            Assert.True(responses.TryGetProperty("429", out _), $"GET {path} lists {string.Join(", ", responses.EnumerateObject().Select(r => r.Name))}");
        }
    }

    [Theory]
    [InlineData("/v1/zones/lobby/occupants?limit=abc", "limit")]
    [InlineData("/v1/zones/lobby/occupants?limit=0", "limit")]
    [InlineData("/v1/leaderboards/attendees?top=99999999999", "top")]
    [InlineData("/v1/leaderboards/attendees?top=-1", "top")]
    public async Task A_query_parameter_that_is_no_number_in_range_gets_a_problem_whose_detail_names_it(string path, string parameter)
    {
        await using var expo = await Expo.StartAsync(["A0001"]);

        var answer = await expo.Ops.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal("application/problem+json", answer.MediaType);
        Assert.True(answer.Json.TryGetProperty("detail", out var detail) && detail.GetString()!.StartsWith(parameter + " is", StringComparison.Ordinal),
            $"GET {path}: {answer.Body}");
    }

    [Fact]
    public async Task A_malformed_console_sign_in_gets_a_problem_with_a_detail_and_the_document_lists_its_statuses()
    {
        await using var edge = await EdgeScenario.StartAsync(_ => { });
        var document = await DocumentAsync(edge.Edge.Http);

        using var response = await edge.Edge.Http.PostAsync("/console/session", new StringContent("""{"token":""", Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("detail").GetString()), body.ToString());
        var listed = document.GetProperty("paths").GetProperty("/console/session").GetProperty("post").GetProperty("responses").EnumerateObject().Select(r => r.Name).ToList();
        Assert.True(new[] { "200", "400", "401", "403", "413", "415", "429" }.All(listed.Contains), $"POST /console/session lists only {string.Join(", ", listed)}");
        var request = Resolve(document, document.GetProperty("paths").GetProperty("/console/session").GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        Assert.Equal(["token"], Required(request));
    }
}
