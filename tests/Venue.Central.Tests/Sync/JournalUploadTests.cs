using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
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

    private const string At = "\"at\":\"2026-11-22T09:00:00Z\"";

    private static string Zone(string id, string level = "Normal", int occupancy = 1) =>
        $"{{\"zone\":\"{id}\",\"name\":\"Zone {id}\",\"occupancy\":{occupancy},\"capacity\":10,\"level\":\"{level}\",\"peak\":{occupancy}}}";

    private static string Report(string floor = "", string status = "online") =>
        $"{{\"edgeId\":\"north\",\"status\":\"{status}\",\"journalSequence\":3,\"uploadedSequence\":3,\"ledgerVersion\":1,\"journalLagMs\":0,\"syncLagMs\":10{floor}}}";

    private static string Floor(string zones, string booths = "[]") => $",\"floor\":{{{At},\"zones\":{zones},\"booths\":{booths}}}";

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Theory]
    [InlineData("{\"edgeId\":\"north\"}", "status")]
    [InlineData("{\"edgeId\":\"north\",\"status\":null}", "status")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"sleeping\"}", "status")]
    [InlineData("{\"status\":\"online\"}", "edgeId")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\",\"journalSequence\":-1}", "journalSequence")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\",\"syncLagMs\":-0.5}", "syncLagMs")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\",\"floor\":{\"at\":\"2026-11-22T09:00:00Z\",\"zones\":null,\"booths\":[]}}", "floor.zones")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\",\"floor\":{\"at\":\"2026-11-22T09:00:00Z\",\"zones\":[]}}", "floor.booths")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\",\"floor\":{\"zones\":[],\"booths\":[]}}", "floor.at")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\",\"floor\":{\"at\":\"2026-11-22T09:00:00Z\",\"zones\":[null],\"booths\":[]}}", "floor.zones[0]")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\",\"floor\":{\"at\":\"2026-11-22T09:00:00Z\",\"zones\":[{\"zone\":\"z1\",\"name\":\"Z\",\"occupancy\":1,\"capacity\":2,\"level\":\"Loud\",\"peak\":1}],\"booths\":[]}}", "floor.zones[0].level")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\",\"floor\":{\"at\":\"2026-11-22T09:00:00Z\",\"zones\":[{\"zone\":\"z1\",\"name\":\"Z\",\"occupancy\":-1,\"capacity\":2,\"level\":\"Normal\",\"peak\":1}],\"booths\":[]}}", "floor.zones[0]")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\",\"floor\":{\"at\":\"2026-11-22T09:00:00Z\",\"zones\":[],\"booths\":[{\"booth\":\"B1\",\"name\":\"B\",\"leads\":1,\"visits\":1,\"visitors\":1,\"score\":1},{\"booth\":\"B1\",\"name\":\"B\",\"leads\":1,\"visits\":1,\"visitors\":1,\"score\":1}]}}", "floor.booths[1].booth 'B1' appears twice")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\",\"status\":\"degraded\"}", "'status'")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\",\"Status\":\"degraded\"}", "'status'")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\"}{\"edgeId\":\"north\",\"status\":\"degraded\"}", "not valid venue-sync/1 JSON")]
    [InlineData("{\"edgeId\":\"north\",\"status\":\"online\"} junk", "not valid venue-sync/1 JSON")]
    public async Task A_status_report_that_is_not_a_valid_status_is_refused_with_400_naming_the_field_and_the_silo_table_is_unchanged(string body, string named)
    {
        var north = await _central.EdgeClientAsync("north");
        var before = await _central.Silo.Store.ListSilosAsync();

        using var response = await north.PutAsync("/v1/sync/status", Json(body));

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(named, System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(await _central.Silo.Store.ListSilosAsync(), s => s.SiloId == "north");
        Assert.Equal(before.Count, (await _central.Silo.Store.ListSilosAsync()).Count);
        Assert.False(_central.Silo.Floors.ContainsKey("north"));
    }

    [Fact]
    public async Task A_floor_with_a_repeated_zone_is_refused_and_the_edge_s_next_good_report_is_still_accepted()
    {
        var north = await _central.EdgeClientAsync("north");

        using var first = await north.PutAsync("/v1/sync/status", Json(Report(Floor($"[{Zone("z1")},{Zone("z2")}]"))));
        using var repeated = await north.PutAsync("/v1/sync/status", Json(Report(Floor($"[{Zone("z1", occupancy: 2)},{Zone("z1", occupancy: 3)}]"))));
        using var next = await north.PutAsync("/v1/sync/status", Json(Report(Floor($"[{Zone("z1", "Warn", 9)}]"), status: "degraded")));

        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, repeated.StatusCode);
        Assert.Contains("floor.zones[1].zone 'z1' appears twice", await repeated.Content.ReadAsStringAsync());
        Assert.True(next.StatusCode == HttpStatusCode.NoContent, $"{(int)next.StatusCode}: {await next.Content.ReadAsStringAsync()}");
        var zone = Assert.Single(_central.Silo.Floors["north"].Zones);
        Assert.Equal(("z1", 9, "Warn"), (zone.Zone, zone.Occupancy, zone.Level));
        Assert.Equal("degraded", (await _central.Silo.Store.ListSilosAsync()).Single(s => s.SiloId == "north").Status);
    }

    [Fact]
    public async Task A_status_report_over_the_body_limit_is_refused_as_too_large()
    {
        var north = await _central.EdgeClientAsync("north");
        var limit = _central.Silo.Options.MaxSyncBodyBytes;
        var body = Encoding.UTF8.GetBytes(Report() + new string(' ', limit));
        using var content = new StreamContent(new MemoryStream(body), 16 * 1024);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Put, "/v1/sync/status") { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await north.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain(await _central.Silo.Store.ListSilosAsync(), s => s.SiloId == "north");
    }

    [Theory]
    [InlineData("NaN")]
    [InlineData("-1")]
    [InlineData("31")]
    [InlineData("Infinity")]
    [InlineData("soon")]
    public async Task A_changes_request_with_a_wait_outside_0_to_30_seconds_is_refused_with_400(string wait)
    {
        var north = await _central.EdgeClientAsync("north");

        using var response = await north.GetAsync($"/v1/sync/changes?wait={wait}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString();
        Assert.StartsWith("wait is", detail, StringComparison.Ordinal);
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
    public async Task An_edge_whose_ledger_is_for_another_event_is_refused_with_409_and_nothing_it_sends_is_stored()
    {
        var north = await _central.EdgeClientAsync("north");
        var eventId = _central.Silo.Event.EventId;
        var batch = new[] { Entry(1, "a1", ScanReason.Admitted, Hlc()) };

        north.DefaultRequestHeaders.Add(SyncHeaders.Event, "demo");
        using var upload = await UploadAsync(north, "north", batch);
        using var changes = await north.GetAsync("/v1/sync/changes?ledgerAfter=0&passagesAfter=0");
        north.DefaultRequestHeaders.Remove(SyncHeaders.Event);
        var problem = System.Text.Json.JsonDocument.Parse(await upload.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal((HttpStatusCode.Conflict, HttpStatusCode.Conflict), (upload.StatusCode, changes.StatusCode));
        Assert.Contains($"This edge's ledger is for event 'demo'; this central runs '{eventId}'. Nothing was stored.", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await _central.Silo.Store.GetTotalsAsync()).Entries);

        // Its own event's name (percent-encoded, as edges send it), or none (an edge downloading its first ledger): accepted.
        north.DefaultRequestHeaders.Add(SyncHeaders.Event, Uri.EscapeDataString(eventId));
        Assert.Equal(new JournalReceiptWire(1, 1, 0), await UploadOkAsync(north, "north", batch));
        north.DefaultRequestHeaders.Remove(SyncHeaders.Event);
        using var snapshot = await north.GetAsync("/v1/sync/ledger");
        Assert.Equal(HttpStatusCode.OK, snapshot.StatusCode);
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
    public async Task An_edge_reads_back_its_own_entry_by_sequence_and_nobody_elses()
    {
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");
        var sent = Entry(2, "a2", ScanReason.Exited, Hlc(0, 2));
        await UploadOkAsync(north, "north", Entry(1, "a1", ScanReason.Admitted, Hlc(0, 1)), sent);

        var read = await north.GetFromJsonAsync("/v1/sync/journal/entries/2", SyncJsonContext.Default.JournalEntryWire);
        using var missing = await north.GetAsync("/v1/sync/journal/entries/3");
        using var others = await south.GetAsync("/v1/sync/journal/entries/2");
        using var zero = await north.GetAsync("/v1/sync/journal/entries/0");

        Assert.Equal((sent.Hlc, sent.Nonce, sent.Gate, sent.Attendee, sent.Reason, sent.Direction), (read!.Hlc, read.Nonce, read.Gate, read.Attendee, read.Reason, read.Direction));
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.NotFound, HttpStatusCode.BadRequest), (missing.StatusCode, others.StatusCode, zero.StatusCode));
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
        Assert.Equal("application/problem+json", zero.Content.Headers.ContentType?.MediaType);
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
    public async Task An_entry_naming_an_empty_attendee_is_refused_and_the_next_edge_s_upload_still_counts()
    {
        var north = await _central.EdgeClientAsync("north");
        var south = await _central.EdgeClientAsync("south");

        // An attendee is left out when the badge named nobody; an empty one is a buggy edge.
        using var response = await UploadAsync(north, "north", Entry(1, "a1", ScanReason.Admitted, Hlc()), Entry(2, "", ScanReason.Admitted, Hlc(0, 1)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("entry 2: attendee is empty", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, (await _central.Silo.Store.GetTotalsAsync()).Entries);
        await UploadOkAsync(south, "south", Entry(1, "a2", ScanReason.Admitted, Hlc(0, 2)));
        Assert.Equal((1L, 1L), ((await _central.Silo.GetStatsAsync()).Admitted, (await _central.Silo.GetStatsAsync()).Inside));
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
