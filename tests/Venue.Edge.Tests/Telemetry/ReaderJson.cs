using System.Globalization;
using System.Text.Json;
using Venue.Domain.Readers;

namespace Venue.Edge.Tests.Telemetry;

/// <summary>One tag read as a test plans it: which badge, which antenna, when, and the reader's event number.</summary>
public sealed record PlannedRead(long EventNum, string AttendeeId, int Antenna, DateTimeOffset At, double PeakRssi = -60);

/// <summary>
/// What readers send (docs/reader-payloads.md), written the way the vendors write it: Zebra IoT
/// Connector events (timestamp offset without a colon) and Impinj R700 tagInventory events (RSSI in
/// hundredths of a dBm). Badges carry their attendee's EPC (<see cref="EpcCodec.Encode"/>).
/// </summary>
public static class ReaderJson
{
    public static string Zebra(IEnumerable<PlannedRead> reads) =>
        "[" + string.Join(",", reads.Select(ZebraEvent)) + "]";

    public static string ZebraEvent(PlannedRead read) => JsonSerializer.Serialize(new
    {
        type = "SIMPLE",
        timestamp = read.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'+0000'", CultureInfo.InvariantCulture),
        data = new
        {
            eventNum = read.EventNum,
            format = "epc",
            idHex = EpcCodec.Encode(read.AttendeeId),
            antenna = read.Antenna,
            peakRssi = read.PeakRssi,
            reads = 1,
            MAC = "84:24:8D:00:11:22",
        },
    });

    /// <summary>An Impinj HTTP stream delivery: an array of events, the hostname naming the reader.</summary>
    public static string Impinj(string hostname, IEnumerable<PlannedRead> reads) =>
        JsonSerializer.Serialize(reads.Select(r => new
        {
            timestamp = r.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            hostname,
            eventType = "tagInventory",
            tagInventoryEvent = new
            {
                epcHex = EpcCodec.Encode(r.AttendeeId),
                antennaPort = r.Antenna,
                peakRssiCdbm = (int)(r.PeakRssi * 100),
            },
        }));

    /// <summary>
    /// One walk through a doorway: two reads on the antenna of the side they come from, then three on the
    /// other, 300 ms later (clearly apart, so the order decides the direction at once). Times are whole
    /// milliseconds, as Zebra writes them.
    /// </summary>
    public static IReadOnlyList<PlannedRead> Pass(Func<long> nextEventNum, string attendeeId, int from, int to, DateTimeOffset at)
    {
        at = new DateTimeOffset(at.UtcTicks - (at.UtcTicks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        return
        [
            new(nextEventNum(), attendeeId, from, at),
            new(nextEventNum(), attendeeId, from, at.AddMilliseconds(50), -55),
            new(nextEventNum(), attendeeId, to, at.AddMilliseconds(300)),
            new(nextEventNum(), attendeeId, to, at.AddMilliseconds(350), -52),
            new(nextEventNum(), attendeeId, to, at.AddMilliseconds(400), -58),
        ];
    }
}
