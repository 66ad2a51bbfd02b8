using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Xunit;

namespace Venue.Testing.Processes;

/// <summary>What a scanner sends and gets back over HTTP: the raw body as well as its JSON.</summary>
public sealed record HttpAnswer(HttpStatusCode Status, string Body, HttpResponseHeaders Headers, string? MediaType)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement;

    public string? Result => Json.GetProperty("result").GetString();

    public string? Reason => Json.GetProperty("reason").GetString();

    public string? AttendeeId => Json.TryGetProperty("attendee", out var a) && a.ValueKind == JsonValueKind.Object ? a.GetProperty("id").GetString() : null;

    public override string ToString() => $"{(int)Status} {Body}";
}

/// <summary>A badge scanner with its device token, calling the scanner API over real HTTP.</summary>
public sealed class ScannerClient(HttpClient http, string? deviceToken)
{
    public static string NewNonce() => Guid.NewGuid().ToString("N");

    public static string ScanJson(string token, string direction, string nonce, DateTimeOffset? scannedAt = null) =>
        JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["token"] = token,
            ["direction"] = direction,
            ["nonce"] = nonce,
            ["scannedAt"] = (scannedAt ?? DateTimeOffset.UtcNow).ToString("O", CultureInfo.InvariantCulture),
        });

    public Task<HttpAnswer> ScanAsync(string gateId, string token, string direction = "entry", string? nonce = null, CancellationToken cancellationToken = default) =>
        PostAsync($"/v1/gates/{gateId}/scans", ScanJson(token, direction, nonce ?? NewNonce()), cancellationToken);

    public Task<HttpAnswer> PostAsync(string path, string body, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, path, new StringContent(body, Encoding.UTF8, "application/json"), cancellationToken);

    public Task<HttpAnswer> GetAsync(string path, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public async Task<HttpAnswer> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (deviceToken is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", deviceToken);
        }

        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return new HttpAnswer(response.StatusCode, body, response.Headers, response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>A gate's counters as <c>GET /v1/gates/{id}</c> shows them.</summary>
    public async Task<JsonElement> GateAsync(string gateId)
    {
        var answer = await GetAsync($"/v1/gates/{gateId}");
        Assert.True(answer.Status == HttpStatusCode.OK, $"GET /v1/gates/{gateId}: {answer}");
        return answer.Json;
    }
}
