using System.Net;
using System.Net.Http.Json;
using System.Text;
using Venue.Central.Tests.Infrastructure;
using Venue.Domain.CheckIn;
using Venue.Domain.Sync;
using static Venue.Central.Tests.Infrastructure.TestCentral;

namespace Venue.Central.Tests.Sync;

/// <summary>Journal uploads as edges send them, and as broken or hostile clients might.</summary>
public sealed class JournalUploadTests : IAsyncLifetime
{
    private TestCentral _central = null!;

    public async Task InitializeAsync()
    {
        _central = await TestCentral.StartAsync();
        await _central.RegisterAsync(10);
    }

    public async Task DisposeAsync() => await _central.DisposeAsync();

    [Theory]
    [InlineData("null", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"edgeId\":", "application/json", HttpStatusCode.BadRequest)]
    [InlineData("{\"edgeId\":\"north\"}", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    [InlineData("{\"edgeId\":\"south\",\"status\":\"online\"}", "application/json", HttpStatusCode.Forbidden)]
    public async Task A_bad_status_report_gets_a_problem_naming_what_is_wrong(string body, string mediaType, HttpStatusCode expected)
    {
        var north = await _central.EdgeClientAsync("north");

        using var response = await north.PutAsync("/v1/sync/status", new StringContent(body, Encoding.UTF8, mediaType));

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("-1")]
    [InlineData("31")]
    [InlineData("Infinity")]
    public async Task A_changes_request_with_a_wait_outside_0_to_30_seconds_is_refused_with_400(string wait)
    {
        var north = await _central.EdgeClientAsync("north");

        using var response = await north.GetAsync($"/v1/sync/changes?wait={wait}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Uploading_the_same_batch_twice_stores_each_entry_once()
    {
        var north = await _central.EdgeClientAsync("north");
        var batch = new[] { Entry(1, "a1", ScanReason.Admitted, Hlc()), Entry(2, "a2", ScanReason.Admitted, Hlc(0, 1)), Entry(3, "a3", ScanReason.AlreadyInside, Hlc(0, 2)) };

        var first = await UploadOkAsync(north, "north", batch);
        var again = await UploadOkAsync(north, "north", batch);

        Assert.Equal(new JournalReceiptWire(3, 3, 0), first);
        Assert.Equal(new JournalReceiptWire(3, 0, 3), again);
        var totals = await _central.Silo.Store.GetTotalsAsync();
        Assert.Equal(3, totals.Entries);
        Assert.Equal(2, (await _central.Silo.GetStatsAsync()).Inside);
    }

    [Fact]
    public async Task Reordered_batches_with_a_gap_answer_the_sequence_held_without_a_gap()
    {
        var north = await _central.EdgeClientAsync("north");

        var later = await UploadOkAsync(north, "north", Entry(5, "a5", ScanReason.Admitted, Hlc(0, 5)), Entry(3, "a3", ScanReason.Admitted, Hlc(0, 3)));
        var earlier = await UploadOkAsync(north, "north", Entry(2, "a2", ScanReason.Admitted, Hlc(0, 2)), Entry(1, "a1", ScanReason.Admitted, Hlc(0, 1)));
        var gap = await UploadOkAsync(north, "north", Entry(4, "a4", ScanReason.Admitted, Hlc(0, 4)));

        Assert.Equal(0, later.HighestContiguous);
        Assert.Equal(3, earlier.HighestContiguous);
        Assert.Equal(5, gap.HighestContiguous);
        var position = await north.GetFromJsonAsync("/v1/sync/journal/position", SyncJsonContext.Default.JournalPositionWire);
        Assert.Equal(new JournalPositionWire("north", 5), position);
    }

    [Fact]
    public async Task A_truncated_batch_is_refused_whole_and_stores_nothing()
    {
        var north = await _central.EdgeClientAsync("north");
        var json = System.Text.Json.JsonSerializer.Serialize(new JournalBatchWire("north",
            [Entry(1, "a1", ScanReason.Admitted, Hlc()), Entry(2, "a2", ScanReason.Admitted, Hlc(0, 1))]), SyncJsonContext.Default.JournalBatchWire);

        using var response = await north.PostAsync("/v1/sync/journal", new StringContent(json[..(json.Length * 2 / 3)], Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, (await _central.Silo.Store.GetTotalsAsync()).Entries);
    }

    [Fact]
    public async Task A_batch_with_one_bad_entry_is_refused_whole()
    {
        var north = await _central.EdgeClientAsync("north");
        var bad = Entry(2, "a2", ScanReason.Admitted, Hlc(0, 1)) with { Reason = "teleported" };

        using var response = await UploadAsync(north, "north", Entry(1, "a1", ScanReason.Admitted, Hlc()), bad);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("teleported", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, (await _central.Silo.Store.GetTotalsAsync()).Entries);
    }

    [Fact]
    public async Task Of_a_repeated_seq_and_a_bad_entry_the_one_met_first_is_told()
    {
        var north = await _central.EdgeClientAsync("north");
        var bad = Entry(3, "a3", ScanReason.Admitted, Hlc(0, 3)) with { Reason = "teleported" };

        using var repeatFirst = await UploadAsync(north, "north", Entry(1, "a1", ScanReason.Admitted, Hlc()), Entry(1, "a1", ScanReason.Admitted, Hlc()), bad);
        using var badFirst = await UploadAsync(north, "north", Entry(1, "a1", ScanReason.Admitted, Hlc()), bad, Entry(1, "a1", ScanReason.Admitted, Hlc()));

        Assert.Equal(HttpStatusCode.BadRequest, repeatFirst.StatusCode);
        Assert.Contains("seq 1 appears twice in the batch.", await repeatFirst.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, badFirst.StatusCode);
        Assert.Contains("entry 3: reason 'teleported' is not a known code", await badFirst.Content.ReadAsStringAsync());
        Assert.Equal(0, (await _central.Silo.Store.GetTotalsAsync()).Entries);
    }

    [Fact]
    public async Task An_edge_may_not_upload_for_another_edge()
    {
        var north = await _central.EdgeClientAsync("north");

        using var response = await UploadAsync(north, "south", Entry(1, "a1", ScanReason.Admitted, Hlc()));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, (await _central.Silo.Store.GetTotalsAsync()).Entries);
    }

    [Fact]
    public async Task A_forged_or_missing_edge_credential_is_refused()
    {
        var forged = _central.Client("vdt_000000000000_bm90LWEtcmVhbC1zZWNyZXQtYXQtYWxsLW5vdC1hdC1hbGw");
        var anonymous = _central.Client(null);

        using var withForged = await UploadAsync(forged, "north", Entry(1, "a1", ScanReason.Admitted, Hlc()));
        using var withNone = await UploadAsync(anonymous, "north", Entry(1, "a1", ScanReason.Admitted, Hlc()));

        Assert.Equal(HttpStatusCode.Unauthorized, withForged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withNone.StatusCode);
        Assert.Equal(0, (await _central.Silo.Store.GetTotalsAsync()).Entries);
    }

    [Fact]
    public async Task An_ops_credential_cannot_upload_a_journal()
    {
        var (_, token) = await _central.Silo.Store.Devices.CreateAsync("north", Domain.Devices.DeviceRole.Ops);

        using var response = await UploadAsync(_central.Client(token), "north", Entry(1, "a1", ScanReason.Admitted, Hlc()));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task A_batch_over_the_entry_limit_is_refused_as_too_large()
    {
        var north = await _central.EdgeClientAsync("north");
        var limit = _central.Silo.Options.MaxSyncBatchEntries;
        var entries = Enumerable.Range(1, limit + 1).Select(i => Entry(i, "a1", ScanReason.AlreadyInside, Hlc(0, i))).ToArray();

        using var response = await UploadAsync(north, "north", entries);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, (await _central.Silo.Store.GetTotalsAsync()).Entries);
    }
    [Fact]
    public async Task A_batch_with_content_after_it_is_refused_whole()
    {
        var north = await _central.EdgeClientAsync("north");
        var json = System.Text.Json.JsonSerializer.Serialize(new JournalBatchWire("north",
            [Entry(1, "a1", ScanReason.Admitted, Hlc())]), SyncJsonContext.Default.JournalBatchWire);

        using var response = await north.PostAsync("/v1/sync/journal", new StringContent(json + " {\"edgeId\":\"north\"}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("not valid venue-sync/1 JSON", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, (await _central.Silo.Store.GetTotalsAsync()).Entries);
    }

    [Fact]
    public async Task A_body_over_the_byte_limit_sent_without_a_length_is_refused_as_too_large()
    {
        var north = await _central.EdgeClientAsync("north");
        var limit = _central.Silo.Options.MaxSyncBodyBytes;
        var json = System.Text.Json.JsonSerializer.Serialize(new JournalBatchWire("north",
            [Entry(1, "a1", ScanReason.Admitted, Hlc())]), SyncJsonContext.Default.JournalBatchWire);
        // Valid JSON padded with white space past the limit, streamed in chunks so no Content-Length tells central in advance.
        var padded = Encoding.UTF8.GetBytes(json + new string(' ', limit));
        using var content = new StreamContent(new MemoryStream(padded), 16 * 1024);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/sync/journal") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await north.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, (await _central.Silo.Store.GetTotalsAsync()).Entries);
    }
}
