using System.Net;
using System.Text;
using System.Text.Json;
using Venue.Domain.Central;

namespace Venue.Central.Tests.Integrator;

/// <summary>Central's two OpenAPI documents (integrators' at /v1/openapi.json, the silo's at /openapi/v1.json) held against what central sends and takes.</summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private IntegratorHost _central = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _central = await IntegratorHost.StartAsync();
        _api = _central.Client(await _central.CreateKeyAsync(ApiScope.All.ToArray()));
    }

    public async Task DisposeAsync() => await _central.DisposeAsync();

    private async Task<JsonElement> DocumentAsync(string path)
    {
        using var anonymous = _central.Client(null);
        return JsonDocument.Parse(await anonymous.GetStringAsync(path)).RootElement.Clone();
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference)
            ? document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1])
            : schema;

    private static List<string> Required(JsonElement schema) =>
        schema.TryGetProperty("required", out var required) ? [.. required.EnumerateArray().Select(n => n.GetString()!).Order(StringComparer.Ordinal)] : [];

    private static JsonElement RequestSchema(JsonElement document, string path, string method, string media) =>
        Resolve(document, document.GetProperty("paths").GetProperty(path).GetProperty(method).GetProperty("requestBody").GetProperty("content").GetProperty(media).GetProperty("schema"));

    private static string Security(JsonElement operation) =>
        operation.TryGetProperty("security", out var security) ? JsonSerializer.Serialize(security) : "none";

    [Fact]
    public async Task A_registered_attendee_without_optional_fields_holds_every_property_the_document_calls_required()
    {
        var document = await DocumentAsync("/v1/openapi.json");

        using var created = await _api.PostAsync("/v1/attendees", new StringContent("""{"name":"Ada","ticketType":"general"}""", Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.False(body.TryGetProperty("email", out _), body.ToString());
        var schema = Resolve(document, document.GetProperty("paths").GetProperty("/v1/attendees").GetProperty("post").GetProperty("responses")
            .GetProperty("201").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        var missing = Required(schema).Where(n => !body.TryGetProperty(n, out _)).ToList();
        Assert.True(missing.Count == 0, $"the answer's schema requires {string.Join(", ", missing)}, which the answer leaves out: {body}");
        Assert.Contains("token", Required(schema));
    }

    [Fact]
    public async Task The_attendee_bodies_an_integrator_sends_are_described_with_the_fields_central_reads()
    {
        var document = await DocumentAsync("/v1/openapi.json");
        string[] fields = ["company", "email", "gates", "id", "name", "ticketType", "validFrom", "validUntil"];
        static List<string> Properties(JsonElement schema) => [.. schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

        var register = RequestSchema(document, "/v1/attendees", "post", "application/json");
        Assert.Equal(fields, Properties(register));
        Assert.Equal(["name", "ticketType"], Required(register));

        foreach (var media in new[] { "application/json", "application/merge-patch+json" })
        {
            var patch = RequestSchema(document, "/v1/attendees/{id}", "patch", media);
            Assert.Equal(fields, Properties(patch));
            Assert.Empty(Required(patch));
        }

        var import = RequestSchema(document, "/v1/attendees/import", "post", "application/json");
        Assert.Equal("array", import.GetProperty("type").GetString());
        Assert.Equal(fields, Properties(Resolve(document, import.GetProperty("items"))));
        Assert.Equal("string", RequestSchema(document, "/v1/attendees/import", "post", "text/csv").GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_ticket_images_are_described_as_images()
    {
        var paths = (await DocumentAsync("/v1/openapi.json")).GetProperty("paths");

        foreach (var (path, media) in new[] { ("/v1/attendees/{id}/ticket.png", "image/png"), ("/v1/attendees/{id}/ticket.svg", "image/svg+xml") })
        {
            var ok = paths.GetProperty(path).GetProperty("get").GetProperty("responses").GetProperty("200");
            Assert.True(ok.TryGetProperty("content", out var content) && content.EnumerateObject().Select(c => c.Name).SequenceEqual([media]), $"GET {path} 200: {ok}");
        }
    }

    [Fact]
    public async Task The_integrator_document_asks_every_operation_for_an_API_key_with_its_scope()
    {
        var document = await DocumentAsync("/v1/openapi.json");

        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal(("http", "bearer"), (scheme.GetProperty("type").GetString(), scheme.GetProperty("scheme").GetString()));
        var operations = document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject().Select(o => (Name: $"{o.Name.ToUpperInvariant()} {p.Name}", o.Value))).ToList();
        var without = operations.Where(o => !Security(o.Value).Contains("\"ApiKey\"", StringComparison.Ordinal)).Select(o => o.Name).ToList();
        Assert.True(without.Count == 0, $"without an API key requirement: {string.Join(", ", without)}");
        Assert.Equal("""[{"ApiKey":["attendees:write"]}]""", Security(document.GetProperty("paths").GetProperty("/v1/attendees").GetProperty("post")));
        Assert.Equal("""[{"ApiKey":["checkins:read"]}]""", Security(document.GetProperty("paths").GetProperty("/v1/checkins").GetProperty("get")));
    }

    [Fact]
    public async Task The_silo_document_asks_sync_calls_for_an_edge_token_and_leaves_health_open()
    {
        var document = await DocumentAsync("/openapi/v1.json");
        var paths = document.GetProperty("paths");

        Assert.Equal("bearer", document.GetProperty("components").GetProperty("securitySchemes").GetProperty("DeviceToken").GetProperty("scheme").GetString());
        Assert.Equal("""[{"DeviceToken":["Edge"]}]""", Security(paths.GetProperty("/v1/sync/journal").GetProperty("post")));
        Assert.Equal("none", Security(paths.GetProperty("/healthz").GetProperty("get")));
    }

    [Fact]
    public async Task Every_sync_call_lists_the_409_for_another_events_ledger_and_the_status_report_has_its_body()
    {
        var paths = (await DocumentAsync("/openapi/v1.json")).GetProperty("paths");

        var without409 = paths.EnumerateObject().Where(p => p.Name.StartsWith("/v1/sync/", StringComparison.Ordinal))
            .SelectMany(p => p.Value.EnumerateObject().Where(o => !o.Value.GetProperty("responses").TryGetProperty("409", out _)).Select(o => $"{o.Name.ToUpperInvariant()} {p.Name}"))
            .ToList();
        Assert.True(without409.Count == 0, $"without 409: {string.Join(", ", without409)}");
        var status = paths.GetProperty("/v1/sync/status").GetProperty("put");
        Assert.True(status.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").TryGetProperty("schema", out _), status.ToString());
        var ledger = paths.GetProperty("/v1/sync/ledger").GetProperty("get").GetProperty("responses").GetProperty("200").GetProperty("content");
        Assert.Equal(["application/x-ndjson"], ledger.EnumerateObject().Select(c => c.Name));
        var wait = paths.GetProperty("/v1/sync/changes").GetProperty("get").GetProperty("parameters").EnumerateArray().Single(p => p.GetProperty("name").GetString() == "wait");
        Assert.Equal("30", wait.GetProperty("schema").GetProperty("maximum").ToString());
    }

    [Fact]
    public async Task The_problem_schema_carries_the_errors_a_refused_attendee_gets()
    {
        var document = await DocumentAsync("/v1/openapi.json");

        using var refused = await _api.PostAsync("/v1/attendees", new StringContent("""{"name":"Ada","ticketType":"general","email":"ada@"}""", Encoding.UTF8, "application/json"));
        var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("email", body.GetProperty("errors")[0].GetProperty("field").GetString());
        var problem = document.GetProperty("components").GetProperty("schemas").GetProperty("ProblemDetails");
        var errors = problem.GetProperty("properties").GetProperty("errors");
        Assert.Equal("array", errors.GetProperty("type").GetString());
        Assert.True(Resolve(document, errors.GetProperty("items")).GetProperty("properties").TryGetProperty("field", out _), errors.ToString());
    }
}
