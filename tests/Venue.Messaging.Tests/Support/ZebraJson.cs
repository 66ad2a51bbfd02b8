namespace Venue.Messaging.Tests.Support;

/// <summary>Zebra IoT Connector events as a reader sends them (docs/reader-payloads.md).</summary>
public static class ZebraJson
{
    public const string Timestamp = "2026-11-22T09:14:03.120+0000";

    public static readonly DateTimeOffset ReadAt = new(2026, 11, 22, 9, 14, 3, 120, TimeSpan.Zero);

    public static string Epc(long eventNum) => $"7EDA903805100271{eventNum:X8}";

    public static string Event(long eventNum, int antenna = 2, int peakRssi = -61, string timestamp = Timestamp) =>
        $$$"""{"type":"SIMPLE","timestamp":"{{{timestamp}}}","data":{"eventNum":{{{eventNum}}},"format":"epc","idHex":"{{{Epc(eventNum)}}}","antenna":{{{antenna}}},"peakRssi":{{{peakRssi}}},"reads":3,"MAC":"84:24:8D:00:11:22"}}""";

    public static string Array(IEnumerable<long> eventNums) => "[" + string.Join(',', eventNums.Select(n => Event(n))) + "]";
}
