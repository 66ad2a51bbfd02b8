using System.Text;
using Venue.Domain.Readers;

namespace Venue.Domain.Tests.Readers;

public sealed class ImpinjPayloadTests
{
    private static string Event(string epcHex = "E28011606000020D8B21A1B2", int antennaPort = 1, int peakRssiCdbm = -6150,
        string timestamp = "2026-11-22T09:14:03.120456789Z", string eventType = "tagInventory") =>
        $$$"""{"timestamp":"{{{timestamp}}}","hostname":"r700-1","eventType":"{{{eventType}}}","tagInventoryEvent":{"epcHex":"{{{epcHex}}}","antennaPort":{{{antennaPort}}},"antennaName":"Antenna 1","peakRssiCdbm":{{{peakRssiCdbm}}},"frequency":920250,"transmitPowerCdbm":3000,"lastSeenTime":"{{{timestamp}}}"}}""";

    [Fact]
    public void A_tag_inventory_event_becomes_a_read_with_rssi_in_dbm_and_the_hostname_as_reader()
    {
        var result = ReaderPayloads.ParseImpinj(Encoding.UTF8.GetBytes(Event()));

        Assert.True(result.Succeeded, result.Error?.ToString());
        var read = Assert.Single(result.Reads);
        Assert.Equal("r700-1", read.ReaderId);
        Assert.Equal("E28011606000020D8B21A1B2", read.Epc);
        Assert.Equal(1, read.Antenna);
        Assert.Equal(-61.5, read.PeakRssi);
        Assert.Equal(new DateTimeOffset(2026, 11, 22, 9, 14, 3, TimeSpan.Zero).AddTicks(1_204_567), read.ReadAt);
    }

    [Fact]
    public void The_reader_named_by_the_transport_wins_over_the_hostname()
    {
        var read = Assert.Single(ReaderPayloads.ParseImpinj(Encoding.UTF8.GetBytes(Event()), readerId: "door-3").Reads);

        Assert.Equal("door-3", read.ReaderId);
    }

    [Fact]
    public void The_same_event_sent_twice_gets_the_same_nonnegative_event_number()
    {
        var payload = Encoding.UTF8.GetBytes($"[{Event()},{Event()}]");

        var first = ReaderPayloads.ParseImpinj(payload).Reads;
        var again = ReaderPayloads.ParseImpinj(payload).Reads;

        Assert.Equal(first[0].EventNum, first[1].EventNum);
        Assert.Equal(first[0].EventNum, again[0].EventNum);
        Assert.True(first[0].EventNum >= 0);
    }

    [Fact]
    public void Events_differing_in_antenna_time_or_tag_get_different_event_numbers()
    {
        var payload = Encoding.UTF8.GetBytes($"[{Event()},{Event(antennaPort: 2)},{Event(timestamp: "2026-11-22T09:14:03.121Z")},{Event(epcHex: "E2801160")}]");

        var numbers = ReaderPayloads.ParseImpinj(payload).Reads.Select(r => r.EventNum).ToList();

        Assert.Equal(4, numbers.Distinct().Count());
    }

    [Fact]
    public void Other_event_types_are_ignored_and_counted()
    {
        var payload = Encoding.UTF8.GetBytes($$$"""[{{{Event()}}},{"timestamp":"2026-11-22T09:14:04Z","hostname":"r700-1","eventType":"antennaConnected","antennaConnectedEvent":{"antennaPort":2}}]""");

        var result = ReaderPayloads.ParseImpinj(payload);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Single(result.Reads);
        Assert.Equal(1, result.IgnoredEvents);
    }

    [Fact]
    public void Parse_tells_impinj_events_from_zebra_events()
    {
        var payload = Encoding.UTF8.GetBytes($"[{Event()},{ZebraPayloadTests.Event(eventNum: 7)}]");

        var result = ReaderPayloads.Parse("r1", payload);

        Assert.True(result.Succeeded, result.Error?.ToString());
        Assert.Equal(["E28011606000020D8B21A1B2", "7EDA9038051002710002C0AE"], result.Reads.Select(r => r.Epc));
        Assert.Equal(7, result.Reads[1].EventNum);
        Assert.All(result.Reads, r => Assert.Equal("r1", r.ReaderId));
    }

    [Fact]
    public void An_antenna_port_outside_1_to_64_is_invalid_and_named()
    {
        var result = ReaderPayloads.ParseImpinj(Encoding.UTF8.GetBytes($"[{Event()},{Event(antennaPort: 99)}]"));

        Assert.Equal(new ReaderPayloadError(ReaderPayloadErrorKind.Invalid, 1, "tagInventoryEvent.antennaPort", "99 is outside 1..64"), result.Error);
        Assert.Empty(result.Reads);
    }

    [Fact]
    public void A_peak_rssi_that_is_not_a_signal_strength_is_invalid_and_named()
    {
        var result = ReaderPayloads.ParseImpinj(Encoding.UTF8.GetBytes($"[{Event()},{Event(peakRssiCdbm: 50000)}]"));

        Assert.Equal(new ReaderPayloadError(ReaderPayloadErrorKind.Invalid, 1, "tagInventoryEvent.peakRssiCdbm", "50000 is not a signal strength from -150 to 20 dBm"), result.Error);
        Assert.Empty(result.Reads);
    }

    [Fact]
    public void Without_a_hostname_or_a_transport_reader_the_event_is_invalid()
    {
        var result = ReaderPayloads.ParseImpinj(Encoding.UTF8.GetBytes(Event().Replace("\"hostname\":\"r700-1\",", "", StringComparison.Ordinal)));

        Assert.Equal("hostname", result.Error!.Field);
    }
}
