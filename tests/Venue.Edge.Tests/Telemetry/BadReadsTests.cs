using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Venue.Domain.Devices;

namespace Venue.Edge.Tests.Telemetry;

/// <summary>
/// Reads the edge must refuse over HTTP: each with its status and an RFC 9457 problem body, and
/// nothing taken in (the read journal's sequence in /healthz stays where it was, nobody moves).
/// </summary>
public sealed class BadReadsTests : IAsyncLifetime
{
    private const int MaxBodyBytes = 2048;
    private Expo _expo = null!;
    private DateTimeOffset _admittedAt;

    public async Task InitializeAsync()
    {
        _expo = await Expo.StartAsync(["A-1"], new Dictionary<string, string?> { ["Edge:Readers:MaxBodyBytes"] = $"{MaxBodyBytes}" });
        _admittedAt = await _expo.AdmitAsync("A-1");
    }

    public async Task DisposeAsync() => await _expo.DisposeAsync();

    private string GoodPayload() => ReaderJson.Zebra(_expo.RoomPass("A-1", inward: true, _admittedAt.AddSeconds(1)));

    /// <summary>Sends the request and checks the problem it gets, and that the journal, the zones and the attendee are as before.</summary>
    private async Task<string> RefusedAsync(Func<Task<HttpAnswer>> send, HttpStatusCode status)
    {
        var health = await _expo.TelemetryHealthAsync();
        var occupancy = await _expo.OccupancyAsync();

        var answer = await send();

        var problem = ReadsOverHttpTests.Problem(answer, status);
        var after = await _expo.TelemetryHealthAsync();
        Assert.Equal(health.GetProperty("lastReadSequence").GetInt64(), after.GetProperty("lastReadSequence").GetInt64());
        Assert.Equal(health.GetProperty("readsAppended").GetInt64(), after.GetProperty("readsAppended").GetInt64());
        Assert.Equal(occupancy, await _expo.OccupancyAsync());
        Assert.Equal("hall-a", (await _expo.LocationAsync("A-1")).GetProperty("zone").GetString());
        return problem.TryGetProperty("detail", out var detail) ? detail.GetString() ?? "" : "";
    }

    private Task<HttpAnswer> PostReads(ScannerClient client, string readerId, string body, string contentType = "application/json") =>
        client.SendAsync(HttpMethod.Post, $"/v1/readers/{readerId}/reads", new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType)));

    [Fact]
    public async Task A_payload_with_one_bad_event_is_refused_whole_with_400_naming_the_event_and_the_field()
    {
        var reads = _expo.RoomPass("A-1", inward: true, _admittedAt.AddSeconds(1));
        // The outer reads are fine; the first inner read has antenna 0.
        var payload = ReaderJson.Zebra(reads.Select((r, i) => i == 2 ? r with { Antenna = 0 } : r));

        var detail = await RefusedAsync(() => PostReads(_expo.ZebraReader, Expo.Zebra, payload), HttpStatusCode.BadRequest);

        Assert.Contains("event 2", detail, StringComparison.Ordinal);
        Assert.Contains("data.antenna", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_payload_with_a_field_of_the_wrong_JSON_type_is_refused_with_400_naming_it()
    {
        // An event number sent as a string: it used to throw out of the parser and answer 500.
        var payload = GoodPayload().Replace("\"eventNum\":", "\"eventNum\":\"", StringComparison.Ordinal).Replace(",\"format\"", "\",\"format\"", StringComparison.Ordinal);
        Assert.Contains("\"eventNum\":\"", payload, StringComparison.Ordinal);

        var detail = await RefusedAsync(() => PostReads(_expo.ZebraReader, Expo.Zebra, payload), HttpStatusCode.BadRequest);

        Assert.Contains("event 0", detail, StringComparison.Ordinal);
        Assert.Contains("data.eventNum", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json at all")]
    [InlineData("[{\"type\":\"SIMPLE\",\"data\":")]
    [InlineData("[1, 2, 3]")]
    public async Task A_payload_that_is_not_reader_events_is_refused_with_400(string payload)
    {
        var detail = await RefusedAsync(() => PostReads(_expo.ZebraReader, Expo.Zebra, payload), HttpStatusCode.BadRequest);

        Assert.StartsWith("Nothing was taken in", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_payload_over_the_configured_size_is_refused_with_413_whether_its_length_is_announced_or_chunked(bool chunked)
    {
        var many = Enumerable.Range(0, 40).SelectMany(i => _expo.RoomPass("A-1", inward: true, _admittedAt.AddSeconds(1 + (5 * i))));
        var payload = ReaderJson.Zebra(many);
        Assert.True(Encoding.UTF8.GetByteCount(payload) > MaxBodyBytes, "the payload must be over the limit");

        var detail = await RefusedAsync(() =>
        {
            if (!chunked)
            {
                return PostReads(_expo.ZebraReader, Expo.Zebra, payload);
            }

            // No Content-Length: the edge finds out while reading.
            var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(payload)));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            content.Headers.ContentLength = null;
            return _expo.ZebraReader.SendAsync(HttpMethod.Post, $"/v1/readers/{Expo.Zebra}/reads", content);
        }, HttpStatusCode.RequestEntityTooLarge);

        Assert.Contains("2,048", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reads_sent_as_anything_but_application_json_are_refused_with_415()
    {
        await RefusedAsync(() => PostReads(_expo.ZebraReader, Expo.Zebra, GoodPayload(), "text/plain"), HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Reads_for_a_reader_missing_from_the_layout_are_refused_with_404()
    {
        var (_, ghost) = await _expo.Scenario.Edge.Devices.CreateAsync("fx-ghost", DeviceRole.Reader);

        var detail = await RefusedAsync(() => PostReads(_expo.Reader(ghost), "fx-ghost", GoodPayload()), HttpStatusCode.NotFound);

        Assert.Contains("fx-ghost", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reader_credential_posting_for_another_reader_is_refused_with_403()
    {
        // The Impinj reader's credential, posting a Zebra payload as if it were fx-1.
        var detail = await RefusedAsync(() => PostReads(_expo.ImpinjReader, Expo.Zebra, GoodPayload()), HttpStatusCode.Forbidden);

        Assert.Contains(Expo.Impinj, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_scanner_credential_cannot_post_reads()
    {
        await RefusedAsync(() => PostReads(_expo.Scanner, Expo.Zebra, GoodPayload()), HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Reads_without_a_credential_are_refused_with_401()
    {
        await RefusedAsync(() => PostReads(_expo.Reader(null), Expo.Zebra, GoodPayload()), HttpStatusCode.Unauthorized);
    }
}
