using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Venue.Domain.Readers;

namespace Venue.Simulation.Crowd;

/// <summary>Writes reads as a Zebra IoT Connector reader does with batching on: a JSON array of SIMPLE events (docs/reader-payloads.md).</summary>
public static class ZebraJson
{
    public static byte[] Array(IReadOnlyList<TagRead> reads)
    {
        var buffer = new ArrayBufferWriter<byte>(reads.Count * 190);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var read in reads)
            {
                json.WriteStartObject();
                json.WriteString("type", "SIMPLE");
                // Zebra writes the offset without a colon.
                json.WriteString("timestamp", read.ReadAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff", CultureInfo.InvariantCulture) + "+0000");
                json.WriteStartObject("data");
                json.WriteNumber("eventNum", read.EventNum);
                json.WriteString("format", "epc");
                json.WriteString("idHex", read.Epc);
                json.WriteNumber("antenna", read.Antenna);
                json.WriteNumber("peakRssi", read.PeakRssi);
                json.WriteNumber("reads", 1);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
