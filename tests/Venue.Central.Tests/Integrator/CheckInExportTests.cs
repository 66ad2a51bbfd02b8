using System.Net;
using System.Text.Json;
using Venue.Central.Registration;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;

namespace Venue.Central.Tests.Integrator;

/// <summary>The check-in export: streamed JSON, NDJSON and CSV, paged and resumed by cursor.</summary>
public sealed class CheckInExportTests : IAsyncLifetime
{
    private const int Rows = 2_500;
    private IntegratorHost _central = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _central = await IntegratorHost.StartAsync();
        _api = _central.Client(await _central.CreateKeyAsync(ApiScope.CheckInsRead));
        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        foreach (var edge in new[] { "north", "south" })
        {
            var entries = Enumerable.Range(1, Rows / 2).Select(i => new JournalEntry(
                i % 7 == 0 ? "G,02" : "G01", $"A{i}", i % 3 == 0 ? ScanDirection.Exit : ScanDirection.Entry,
                // Every 33rd an exit refused as not_inside: the store counts it among passages, the export's passagesOnly does not.
                i % 33 == 0 ? ScanReason.NotInside : i % 3 == 0 ? ScanReason.Exited : i % 5 == 0 ? ScanReason.AlreadyInside : ScanReason.Admitted,
                $"{edge}-\"n\"{i}", at.AddMilliseconds(i), at.AddMilliseconds(i)) { Sequence = i, Hlc = i, TicketType = "general" }).ToList();
            await _central.Silo.Store.IngestAsync(edge, entries, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30));
        }
    }

    public async Task DisposeAsync() => await _central.DisposeAsync();

    [Fact]
    public async Task JSON_pages_follow_the_cursor_to_every_row_once()
    {
        var seen = new List<long>();
        long cursor = 0;
        var pages = 0;
        while (true)
        {
            using var response = await _api.GetAsync($"/v1/checkins?after={cursor}&limit=1000");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Rows.ToString(System.Globalization.CultureInfo.InvariantCulture), response.Headers.GetValues("Venue-Feed-High-Water").Single());
            using var page = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            var rows = page.RootElement.GetProperty("checkins").EnumerateArray().ToList();
            seen.AddRange(rows.Select(r => r.GetProperty("feedId").GetInt64()));
            pages++;
            cursor = page.RootElement.GetProperty("nextCursor").GetInt64();
            if (!page.RootElement.GetProperty("more").GetBoolean())
            {
                break;
            }
        }

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(1, Rows).Select(i => (long)i), seen);
        Assert.Equal(Rows, cursor);
    }

    [Fact]
    public async Task A_scan_that_named_nobody_is_exported_without_attendee_or_ticket_type_fields()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        await _central.Silo.Store.IngestAsync("west",
            [new JournalEntry("G01", null, ScanDirection.Entry, ScanReason.Malformed, "west-1", at, at) { Sequence = 1, Hlc = 1 }],
            DateTimeOffset.UtcNow, TimeSpan.FromSeconds(30));

        using var page = JsonDocument.Parse(await _api.GetStringAsync($"/v1/checkins?after={Rows}"));

        var row = Assert.Single(page.RootElement.GetProperty("checkins").EnumerateArray());
        Assert.Equal(("west", "malformed"), (row.GetProperty("edgeId").GetString(), row.GetProperty("reason").GetString()));
        // As every answer does (docs/integrator-api.md): a field without a value is left out, not null.
        Assert.False(row.TryGetProperty("attendee", out _), row.ToString());
        Assert.False(row.TryGetProperty("ticketType", out _), row.ToString());
    }

    [Fact]
    public async Task A_JSON_row_carries_the_journal_entry_in_wire_codes()
    {
        using var page = JsonDocument.Parse(await _api.GetStringAsync("/v1/checkins?limit=3"));

        var third = page.RootElement.GetProperty("checkins")[2];
        Assert.Equal("north", third.GetProperty("edgeId").GetString());
        Assert.Equal(3, third.GetProperty("seq").GetInt64());
        Assert.Equal(("exit", "exited"), (third.GetProperty("direction").GetString(), third.GetProperty("reason").GetString()));
        Assert.Equal("north-\"n\"3", third.GetProperty("nonce").GetString());
        Assert.True(page.RootElement.GetProperty("more").GetBoolean());
    }

    [Fact]
    public async Task CSV_has_a_header_quotes_what_needs_it_and_resumes_from_the_last_feed_id()
    {
        var first = await ReadCsvAsync("/v1/checkins?format=csv&limit=1200");
        var lastFeedId = long.Parse(first[^1][0], System.Globalization.CultureInfo.InvariantCulture);
        var rest = await ReadCsvAsync($"/v1/checkins?format=csv&after={lastFeedId}");

        Assert.Equal(["feed_id", "edge_id", "seq", "hlc", "at", "scanned_at", "received_at", "gate", "attendee", "ticket_type", "direction", "reason", "nonce", "late"], first[0]);
        Assert.Equal(1200, first.Count - 1);
        Assert.Equal(Rows - 1200, rest.Count - 1);
        var all = first.Skip(1).Concat(rest.Skip(1)).ToList();
        Assert.Equal(Enumerable.Range(1, Rows).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), all.Select(r => r[0]));
        var seventh = all[6];
        Assert.Equal(("G,02", "north-\"n\"7"), (seventh[7], seventh[12]));
        Assert.All(all, r => Assert.Equal(14, r.Length));
    }

    [Fact]
    public async Task NDJSON_is_one_object_per_line()
    {
        var text = await _api.GetStringAsync("/v1/checkins?format=ndjson&after=2400");

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(100, lines.Length);
        Assert.Equal(Enumerable.Range(2401, 100).Select(i => (long)i), lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("feedId").GetInt64()));
    }

    [Fact]
    public async Task Passages_only_leaves_out_refused_scans()
    {
        using var page = JsonDocument.Parse(await _api.GetStringAsync("/v1/checkins?passagesOnly=true"));

        var reasons = page.RootElement.GetProperty("checkins").EnumerateArray().Select(r => r.GetProperty("reason").GetString()).Distinct().Order();
        Assert.Equal(["admitted", "exited"], reasons);
    }

    [Fact]
    public async Task Passages_only_pages_end_at_the_high_water_mark_past_trailing_refusals()
    {
        // The last entry stored (south's 1,250th) is a refusal, so no passage carries the last feed id.
        long cursor = 0;
        var more = true;
        for (var pages = 0; more && pages < 10; pages++)
        {
            using var response = await _api.GetAsync($"/v1/checkins?passagesOnly=true&after={cursor}&limit=1000");
            using var page = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
            cursor = page.RootElement.GetProperty("nextCursor").GetInt64();
            more = page.RootElement.GetProperty("more").GetBoolean();
            Assert.Equal(Rows, long.Parse(response.Headers.GetValues("Venue-Feed-High-Water").Single(), System.Globalization.CultureInfo.InvariantCulture));
        }

        Assert.False(more);
        Assert.Equal(Rows, cursor);
        using var again = JsonDocument.Parse(await _api.GetStringAsync($"/v1/checkins?passagesOnly=true&after={cursor}"));
        Assert.Empty(again.RootElement.GetProperty("checkins").EnumerateArray());
    }

    [Theory]
    [InlineData("after=-1")]
    [InlineData("after=abc")]
    [InlineData("limit=0")]
    [InlineData("format=xml")]
    [InlineData("passagesOnly=maybe")]
    public async Task Bad_query_parameters_are_400_problems(string query)
    {
        using var response = await _api.GetAsync($"/v1/checkins?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private async Task<List<string[]>> ReadCsvAsync(string path)
    {
        using var response = await _api.GetAsync(path, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        using var text = new StreamReader(await response.Content.ReadAsStreamAsync());
        var reader = new CsvRecordReader(text);
        var rows = new List<string[]>();
        while (await reader.ReadAsync() is { } record)
        {
            Assert.Null(record.Error);
            rows.Add([.. record.Fields]);
        }

        return rows;
    }
}
