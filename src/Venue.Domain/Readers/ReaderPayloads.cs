using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Venue.Domain.Readers;

/// <summary>
/// Turns the JSON a UHF reader sends into <see cref="TagRead"/>s (docs/reader-payloads.md). Pure:
/// no I/O, no clock, never throws for a bad payload; a broken one comes back as a
/// <see cref="ReaderPayloadResult"/> with an error that says which event and which field.
/// </summary>
public static class ReaderPayloads
{
    /// <summary>256 KiB: a Zebra batch of several hundred events fits many times over; anything larger is not a reader talking.</summary>
    public const int DefaultMaxBytes = 256 * 1024;

    /// <summary>EPC memory holds at most 496 bits; anything longer is not an EPC.</summary>
    private const int MaxEpcHexLength = 124;

    private const int MaxAntenna = 64;

    private static readonly JsonReaderOptions ReaderOptions = new() { AllowMultipleValues = true, MaxDepth = 16 };

    /// <summary>
    /// Parses a payload from the reader <paramref name="readerId"/> (the topic's reader segment), telling
    /// the two shapes apart per event: a Zebra IoT Connector event has a <c>data</c> object, an Impinj
    /// IoT device interface event an <c>eventType</c>.
    /// </summary>
    public static ReaderPayloadResult Parse(string readerId, ReadOnlySpan<byte> utf8, int maxBytes = DefaultMaxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(readerId);
        return ParseEvents(utf8, maxBytes, (element, index, reads) =>
            element.TryGetProperty("eventType", out _) && !element.TryGetProperty("data", out _)
                ? ImpinjEvent(element, index, readerId, reads)
                : ZebraEvent(element, index, readerId, reads));
    }

    /// <summary>Parses a Zebra IoT Connector payload: one event object, an array of them, or objects one after another.</summary>
    public static ReaderPayloadResult ParseZebra(string readerId, ReadOnlySpan<byte> utf8, int maxBytes = DefaultMaxBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(readerId);
        return ParseEvents(utf8, maxBytes, (element, index, reads) => ZebraEvent(element, index, readerId, reads));
    }

    /// <summary>
    /// Parses an Impinj R700 IoT device interface payload (an event or an array of events). The reader id
    /// is <paramref name="readerId"/> when the transport names the reader (an MQTT topic), otherwise the
    /// event's <c>hostname</c> (the HTTP stream).
    /// </summary>
    public static ReaderPayloadResult ParseImpinj(ReadOnlySpan<byte> utf8, string? readerId = null, int maxBytes = DefaultMaxBytes) =>
        ParseEvents(utf8, maxBytes, (element, index, reads) => ImpinjEvent(element, index, readerId, reads));

    /// <summary>
    /// The dedup number of an Impinj read, which has no event number of its own: the first 63 bits of
    /// SHA-256 over reader, EPC, antenna and read time (UTC ticks). The same event sent twice (a broker
    /// redelivery, a replay after an outage) hashes the same; two different events colliding needs
    /// about 2^31 reads of one reader.
    /// </summary>
    public static long ImpinjEventNumber(string readerId, string epc, int antenna, DateTimeOffset readAt)
    {
        var key = $"{readerId}\n{epc}\n{antenna}\n{readAt.UtcTicks}";
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return (long)(BinaryPrimitives.ReadUInt64BigEndian(hash) & 0x7FFF_FFFF_FFFF_FFFF);
    }

    private delegate EventOutcome EventParser(JsonElement element, int index, List<TagRead> reads);

    private enum EventOutcome
    {
        Read,
        Ignored,
    }

    private static ReaderPayloadResult ParseEvents(ReadOnlySpan<byte> utf8, int maxBytes, EventParser parse)
    {
        if (utf8.Length > maxBytes)
        {
            return ReaderPayloadResult.Failed(new(ReaderPayloadErrorKind.Oversized, null, null,
                $"{utf8.Length} bytes is over the limit of {maxBytes}"));
        }

        var reads = new List<TagRead>();
        var ignored = 0;
        var index = 0;
        var values = 0;
        try
        {
            var reader = new Utf8JsonReader(utf8, ReaderOptions);
            while (reader.Read())
            {
                values++;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject:
                        ignored += One(ref reader);
                        break;
                    case JsonTokenType.StartArray:
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            if (reader.TokenType != JsonTokenType.StartObject)
                            {
                                throw new PayloadException(new(ReaderPayloadErrorKind.Malformed, index, null,
                                    $"expected an event object in the array, found {Describe(reader.TokenType)}"));
                            }

                            ignored += One(ref reader);
                        }

                        break;
                    default:
                        throw new PayloadException(new(ReaderPayloadErrorKind.Malformed, null, null,
                            $"expected an event object or an array of them, found {Describe(reader.TokenType)}"));
                }
            }
        }
        catch (JsonException e)
        {
            return ReaderPayloadResult.Failed(new(ReaderPayloadErrorKind.Malformed, index, null,
                $"not valid JSON at byte {e.BytePositionInLine} of line {e.LineNumber + 1}"));
        }
        catch (PayloadException e)
        {
            return ReaderPayloadResult.Failed(e.Error);
        }
        catch (InvalidOperationException e)
        {
            // What the checks above do not foresee, such as a string escaping half a surrogate pair,
            // refuses the payload too: a reader's bytes must never throw out of the parser.
            return ReaderPayloadResult.Failed(new(ReaderPayloadErrorKind.Malformed, index, null, $"not readable: {e.Message}"));
        }

        // An empty array is a batch with nothing in it; an empty message is not a reader talking.
        if (values == 0)
        {
            return ReaderPayloadResult.Failed(new(ReaderPayloadErrorKind.Malformed, null, null, "the payload is empty"));
        }

        return new ReaderPayloadResult(reads, ignored, null);

        int One(ref Utf8JsonReader reader)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            var outcome = parse(document.RootElement, index, reads);
            index++;
            return outcome == EventOutcome.Ignored ? 1 : 0;
        }
    }

    private static EventOutcome ZebraEvent(JsonElement element, int index, string readerId, List<TagRead> reads)
    {
        // Zebra sends management and heartbeat events as other types; only SIMPLE carries a tag read.
        if (element.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString() != "SIMPLE")
        {
            return EventOutcome.Ignored;
        }

        var readAt = Timestamp(element, "timestamp", index);
        if (!element.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(index, "data", "missing, or not an object");
        }

        if (!data.TryGetProperty("eventNum", out var eventNumElement) || !TryGetInt64(eventNumElement, out var eventNum))
        {
            throw Invalid(index, "data.eventNum", "missing, or not a whole number");
        }

        if (eventNum < 0)
        {
            throw Invalid(index, "data.eventNum", $"{eventNum} is negative");
        }

        var epc = Epc(data, "idHex", "data.idHex", index);
        var antenna = Antenna(data, "antenna", "data.antenna", index);
        if (!data.TryGetProperty("peakRssi", out var rssi) || !TryGetDouble(rssi, out var peakRssi))
        {
            throw Invalid(index, "data.peakRssi", "missing, or not a number");
        }

        reads.Add(new TagRead(readerId, eventNum, epc, antenna, Rssi(peakRssi, index, "data.peakRssi", peakRssi), readAt));
        return EventOutcome.Read;
    }

    private static EventOutcome ImpinjEvent(JsonElement element, int index, string? readerId, List<TagRead> reads)
    {
        if (!element.TryGetProperty("eventType", out var eventType) || eventType.ValueKind != JsonValueKind.String)
        {
            throw Invalid(index, "eventType", "missing, or not a string");
        }

        // The device interface multiplexes inventory with status events on one stream; only tagInventory is a read.
        if (eventType.GetString() != "tagInventory")
        {
            return EventOutcome.Ignored;
        }

        var readAt = Timestamp(element, "timestamp", index);
        var reader = readerId;
        if (reader is null)
        {
            if (!element.TryGetProperty("hostname", out var hostname) || hostname.ValueKind != JsonValueKind.String
                || hostname.GetString() is not { Length: > 0 } name)
            {
                throw Invalid(index, "hostname", "missing or empty, and the transport named no reader");
            }

            reader = name;
        }

        if (!element.TryGetProperty("tagInventoryEvent", out var tag) || tag.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(index, "tagInventoryEvent", "missing, or not an object");
        }

        var epc = Epc(tag, "epcHex", "tagInventoryEvent.epcHex", index);
        var antenna = Antenna(tag, "antennaPort", "tagInventoryEvent.antennaPort", index);
        if (!tag.TryGetProperty("peakRssiCdbm", out var rssi) || !TryGetDouble(rssi, out var centiDbm))
        {
            throw Invalid(index, "tagInventoryEvent.peakRssiCdbm", "missing, or not a number");
        }

        reads.Add(new TagRead(reader, ImpinjEventNumber(reader, epc, antenna, readAt), epc, antenna,
            Rssi(centiDbm / 100.0, index, "tagInventoryEvent.peakRssiCdbm", centiDbm), readAt));
        return EventOutcome.Read;
    }

    private static DateTimeOffset Timestamp(JsonElement element, string field, int index)
    {
        if (!element.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String)
        {
            throw Invalid(index, field, "missing, or not a string");
        }

        var text = value.GetString()!;
        return ReaderTimestamp.TryParse(text, out var parsed)
            ? parsed
            : throw Invalid(index, field, $"'{Clip(text)}' is not an ISO 8601 time with an offset");
    }

    /// <summary>The EPC in upper case, so a read's identity does not depend on the reader's hex style.</summary>
    private static string Epc(JsonElement element, string name, string field, int index)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            throw Invalid(index, field, "missing, or not a string");
        }

        var text = value.GetString()!;
        if (text.Length == 0 || text.Length > MaxEpcHexLength || text.Length % 2 != 0 || !text.All(char.IsAsciiHexDigit))
        {
            throw Invalid(index, field, $"'{Clip(text)}' is not an EPC in hex (whole bytes, at most {MaxEpcHexLength} digits)");
        }

        return text.ToUpperInvariant();
    }

    private static int Antenna(JsonElement element, string name, string field, int index)
    {
        if (!element.TryGetProperty(name, out var value) || !TryGetInt32(value, out var antenna))
        {
            throw Invalid(index, field, "missing, or not a whole number");
        }

        return antenna is >= 1 and <= MaxAntenna
            ? antenna
            : throw Invalid(index, field, $"{antenna} is outside 1..{MaxAntenna}");
    }

    // JsonElement's TryGet methods throw, rather than answer false, for a value that is not a number at all.
    private static bool TryGetInt64(JsonElement value, out long number)
    {
        number = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out number);
    }

    private static bool TryGetInt32(JsonElement value, out int number)
    {
        number = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out number);
    }

    /// <summary>Lowest and highest signal strength taken, in dBm: a UHF read is far inside both.</summary>
    public const double MinRssi = -150, MaxRssi = 20;

    /// <summary>
    /// A read's signal strength in dBm, refused unless finite and from <see cref="MinRssi"/> to
    /// <see cref="MaxRssi"/>: the stronger peak decides a pass's direction when both antennas see a
    /// badge at once, so one infinite or absurd value (1e400 reads as infinity) would decide it alone.
    /// </summary>
    private static double Rssi(double dbm, int index, string field, double given) =>
        double.IsFinite(dbm) && dbm is >= MinRssi and <= MaxRssi
            ? dbm
            : throw Invalid(index, field, $"{given.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not a signal strength from {MinRssi} to {MaxRssi} dBm");

    private static bool TryGetDouble(JsonElement value, out double number)
    {
        number = 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out number);
    }

    private static PayloadException Invalid(int index, string field, string detail) =>
        new(new ReaderPayloadError(ReaderPayloadErrorKind.Invalid, index, field, detail));

    private static string Clip(string text) => text.Length <= 40 ? text : text[..40] + "...";

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "an array",
        _ => token.ToString(),
    };

    /// <summary>Carries an error out of nested parsing; caught in <see cref="ParseEvents"/>, never leaves this class.</summary>
    private sealed class PayloadException(ReaderPayloadError error) : Exception(error.ToString())
    {
        public ReaderPayloadError Error { get; } = error;
    }
}
