using System.Text;
using Venue.Domain.Readers;

namespace Venue.Domain.Tests.Readers;

public sealed class ZebraPayloadTests
{
    private const string Reader = "r1";

    internal static string Event(long eventNum = 1841, string idHex = "7EDA9038051002710002C0AE", int antenna = 2, int peakRssi = -61,
        string timestamp = "2026-11-22T09:14:03.120+0000") =>
        $$$"""{"type":"SIMPLE","timestamp":"{{{timestamp}}}","data":{"eventNum":{{{eventNum}}},"format":"epc","idHex":"{{{idHex}}}","antenna":{{{antenna}}},"peakRssi":{{{peakRssi}}},"reads":3,"MAC":"84:24:8D:00:11:22"}}""";

    private static ReaderPayloadResult Parse(string json, int maxBytes = ReaderPayloads.DefaultMaxBytes) =>
        ReaderPayloads.ParseZebra(Reader, Encoding.UTF8.GetBytes(json), maxBytes);

    [Fact]
    public void One_event_becomes_one_read_with_the_reader_from_the_caller()
    {
        var result = Parse(Event());

        Assert.True(result.Succeeded, result.Error?.ToString());
        var read = Assert.Single(result.Reads);
        Assert.Equal(new TagRead("r1", 1841, "7EDA9038051002710002C0AE", 2, -61, new DateTimeOffset(2026, 11, 22, 9, 14, 3, 120, TimeSpan.Zero)), read);
    }

    [Fact]
    public void An_array_of_events_becomes_reads_in_order()
    {
        var result = Parse($"[{Event(1)},{Event(2)},{Event(3)}]");

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal([1L, 2L, 3L], result.Reads.Select(r => r.EventNum));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\n")]
    [InlineData("\r\n")]
    public void Concatenated_events_are_read_with_or_without_whitespace_between(string between)
    {
        var result = Parse(Event(1) + between + Event(2) + between + Event(3) + "\n");

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal([1L, 2L, 3L], result.Reads.Select(r => r.EventNum));
    }

    [Theory]
    [InlineData("2026-11-22T09:14:03.120+0000", 9, 0)]
    [InlineData("2026-11-22T09:14:03.120Z", 9, 0)]
    [InlineData("2026-11-22T10:14:03.120+01:00", 10, 60)]
    [InlineData("2026-11-22T04:14:03.120-0500", 4, -300)]
    public void Timestamps_with_any_offset_style_mean_the_same_instant(string timestamp, int hour, int offsetMinutes)
    {
        var read = Assert.Single(Parse(Event(timestamp: timestamp)).Reads);

        Assert.Equal(new DateTimeOffset(2026, 11, 22, 9, 14, 3, 120, TimeSpan.Zero), read.ReadAt);
        Assert.Equal(hour, read.ReadAt.Hour);
        Assert.Equal(TimeSpan.FromMinutes(offsetMinutes), read.ReadAt.Offset);
    }

    [Fact]
    public void A_timestamp_without_fraction_parses()
    {
        var read = Assert.Single(Parse(Event(timestamp: "2026-11-22T09:14:03+0000")).Reads);

        Assert.Equal(new DateTimeOffset(2026, 11, 22, 9, 14, 3, TimeSpan.Zero), read.ReadAt);
    }

    [Fact]
    public void An_epc_in_lower_case_is_kept_in_upper_case()
    {
        var read = Assert.Single(Parse(Event(idHex: "7eda9038")).Reads);

        Assert.Equal("7EDA9038", read.Epc);
    }

    [Fact]
    public void Events_of_another_type_are_ignored_and_counted()
    {
        var result = Parse($$$"""[{{{Event(1)}}},{"type":"HEARTBEAT","timestamp":"2026-11-22T09:14:03.120+0000","data":{}}]""");

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Single(result.Reads);
        Assert.Equal(1, result.IgnoredEvents);
    }

    [Fact]
    public void An_empty_array_is_a_batch_with_no_reads()
    {
        var result = Parse("[]");

        Assert.True(result.Succeeded);
        Assert.Empty(result.Reads);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{\"type\":")]
    [InlineData("not json")]
    [InlineData("42")]
    [InlineData("[1,2]")]
    [InlineData("[[{}]]")]
    public void A_payload_that_is_not_events_is_malformed(string json)
    {
        var result = Parse(json);

        Assert.False(result.Succeeded);
        Assert.Equal(ReaderPayloadErrorKind.Malformed, result.Error!.Kind);
        Assert.Empty(result.Reads);
    }

    [Fact]
    public void A_broken_event_after_good_ones_names_its_index_and_refuses_the_whole_payload()
    {
        var result = Parse(Event(1) + Event(2) + "{\"type\":\"SIMPLE\",\"timestamp\":");

        Assert.False(result.Succeeded);
        Assert.Equal(ReaderPayloadErrorKind.Malformed, result.Error!.Kind);
        Assert.Equal(2, result.Error.EventIndex);
        Assert.Empty(result.Reads);
    }

    [Theory]
    [InlineData(0, "data.antenna")]
    [InlineData(65, "data.antenna")]
    public void An_antenna_outside_1_to_64_is_invalid(int antenna, string field)
    {
        var result = Parse($"[{Event(1)},{Event(2, antenna: antenna)}]");

        Assert.Equal(new ReaderPayloadError(ReaderPayloadErrorKind.Invalid, 1, field, $"{antenna} is outside 1..64"), result.Error);
        Assert.Empty(result.Reads);
    }

    [Theory]
    [InlineData("7EDA90XY")]
    [InlineData("7EDA903")]
    [InlineData("")]
    public void An_epc_that_is_not_whole_bytes_of_hex_is_invalid(string idHex)
    {
        var result = Parse(Event(idHex: idHex));

        Assert.Equal(ReaderPayloadErrorKind.Invalid, result.Error!.Kind);
        Assert.Equal("data.idHex", result.Error.Field);
        Assert.Equal(0, result.Error.EventIndex);
    }

    [Theory]
    [InlineData("1e400")]
    [InlineData("-1e400")]
    [InlineData("500")]
    [InlineData("-151")]
    public void A_peak_rssi_that_is_not_a_signal_strength_is_invalid(string peakRssi)
    {
        // 1e400 parses as infinity: it would win every peak and decide passes on its own.
        var result = Parse(Event().Replace("\"peakRssi\":-61", $"\"peakRssi\":{peakRssi}", StringComparison.Ordinal));

        Assert.Equal((ReaderPayloadErrorKind.Invalid, "data.peakRssi"), (result.Error?.Kind, result.Error?.Field));
        Assert.Contains("is not a signal strength from -150 to 20 dBm", result.Error!.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(-150)]
    [InlineData(20)]
    public void A_peak_rssi_at_either_end_of_the_range_is_read(int peakRssi) =>
        Assert.Equal(peakRssi, Assert.Single(Parse(Event(peakRssi: peakRssi)).Reads).PeakRssi);

    [Fact]
    public void A_negative_event_number_is_invalid()
    {
        var result = Parse(Event(eventNum: -1));

        Assert.Equal("data.eventNum", result.Error!.Field);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2026-11-22T09:14:03.120")]
    [InlineData("2026-11-22 09:14:03+0000")]
    [InlineData("2026-13-22T09:14:03+0000")]
    public void A_timestamp_that_does_not_parse_or_has_no_offset_is_invalid(string timestamp)
    {
        var result = Parse(Event(timestamp: timestamp));

        Assert.Equal(ReaderPayloadErrorKind.Invalid, result.Error!.Kind);
        Assert.Equal("timestamp", result.Error.Field);
    }

    [Theory]
    [InlineData("\"eventNum\":\"1841\"", "data.eventNum")]
    [InlineData("\"eventNum\":true", "data.eventNum")]
    [InlineData("\"antenna\":\"2\"", "data.antenna")]
    [InlineData("\"antenna\":null", "data.antenna")]
    [InlineData("\"peakRssi\":\"-61\"", "data.peakRssi")]
    [InlineData("\"peakRssi\":{}", "data.peakRssi")]
    public void A_field_of_the_wrong_JSON_type_is_invalid_and_named(string replacement, string field)
    {
        var name = replacement[..(replacement.IndexOf(':') + 1)];
        var json = System.Text.RegularExpressions.Regex.Replace(Event(), System.Text.RegularExpressions.Regex.Escape(name) + "[^,}]+", replacement.Replace("$", "$$"));
        Assert.Contains(replacement, json, StringComparison.Ordinal);

        var result = Parse(json);

        Assert.Equal(ReaderPayloadErrorKind.Invalid, result.Error!.Kind);
        Assert.Equal(field, result.Error.Field);
    }

    [Fact]
    public void A_string_escaping_half_a_surrogate_pair_is_refused_not_thrown()
    {
        var result = Parse(Event().Replace("\"type\":\"SIMPLE\"", "\"type\":\"\\uD800\"", StringComparison.Ordinal));

        Assert.NotNull(result.Error);
        Assert.Equal(0, result.Error.EventIndex);
    }

    [Fact]
    public void A_missing_field_is_named()
    {
        var result = Parse("""{"type":"SIMPLE","timestamp":"2026-11-22T09:14:03.120+0000","data":{"eventNum":1,"idHex":"AB","antenna":1}}""");

        Assert.Equal("data.peakRssi", result.Error!.Field);
        Assert.Contains("event 0, data.peakRssi", result.Error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_payload_over_the_limit_is_oversized_without_being_read()
    {
        var json = Event();

        var result = Parse(json, maxBytes: json.Length - 1);

        Assert.Equal(ReaderPayloadErrorKind.Oversized, result.Error!.Kind);
        Assert.True(Parse(json, maxBytes: json.Length).Succeeded);
    }
}
