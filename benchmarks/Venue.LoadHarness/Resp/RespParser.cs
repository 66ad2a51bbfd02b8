using System.Buffers.Text;
using System.Text;

namespace Venue.LoadHarness.Resp;

/// <summary>
/// Parses one RESP2 reply from the front of a buffer: simple strings, errors, integers, bulk
/// strings and arrays (nested, and the null forms of both). Returns false when the buffer does not
/// yet hold a whole reply, so the caller reads more and tries again.
/// </summary>
public static class RespParser
{
    private const int MaxDepth = 32;

    public static bool TryParse(ReadOnlySpan<byte> buffer, out RespValue value, out int consumed)
    {
        consumed = 0;
        return TryParse(buffer, ref consumed, 0, out value);
    }

    private static bool TryParse(ReadOnlySpan<byte> buffer, ref int position, int depth, out RespValue value)
    {
        value = null!;
        if (depth > MaxDepth)
        {
            throw new InvalidDataException("RESP reply nested too deeply.");
        }

        if (!TryReadLine(buffer, position, out var line, out var next))
        {
            return false;
        }

        var prefix = line[0];
        var body = line[1..];
        switch (prefix)
        {
            case (byte)'+':
                value = new RespValue(RespType.SimpleString, Encoding.UTF8.GetString(body));
                position = next;
                return true;
            case (byte)'-':
                value = new RespValue(RespType.Error, Encoding.UTF8.GetString(body));
                position = next;
                return true;
            case (byte)':':
                value = new RespValue(RespType.Integer, Integer: ParseInteger(body));
                position = next;
                return true;
            case (byte)'$':
            {
                var length = ParseInteger(body);
                if (length == -1)
                {
                    value = new RespValue(RespType.BulkString);
                    position = next;
                    return true;
                }

                if (length < -1 || length > int.MaxValue - 2)
                {
                    throw new InvalidDataException($"RESP bulk string length {length} is invalid.");
                }

                if (buffer.Length - next < length + 2)
                {
                    return false;
                }

                var payload = buffer.Slice(next, (int)length);
                if (buffer[next + (int)length] != '\r' || buffer[next + (int)length + 1] != '\n')
                {
                    throw new InvalidDataException("RESP bulk string is not terminated by CRLF.");
                }

                value = new RespValue(RespType.BulkString, Encoding.UTF8.GetString(payload));
                position = next + (int)length + 2;
                return true;
            }

            case (byte)'*':
            {
                var count = ParseInteger(body);
                if (count == -1)
                {
                    value = new RespValue(RespType.Array);
                    position = next;
                    return true;
                }

                if (count < -1 || count > 1_000_000)
                {
                    throw new InvalidDataException($"RESP array length {count} is invalid.");
                }

                var items = new RespValue[count];
                var cursor = next;
                for (var i = 0; i < count; i++)
                {
                    if (!TryParse(buffer, ref cursor, depth + 1, out items[i]))
                    {
                        return false;
                    }
                }

                value = new RespValue(RespType.Array, Items: items);
                position = cursor;
                return true;
            }

            default:
                throw new InvalidDataException($"Unexpected RESP type byte 0x{prefix:x2}.");
        }
    }

    private static bool TryReadLine(ReadOnlySpan<byte> buffer, int start, out ReadOnlySpan<byte> line, out int next)
    {
        var end = buffer[start..].IndexOf("\r\n"u8);
        if (end < 0)
        {
            line = default;
            next = start;
            return false;
        }

        if (end == 0)
        {
            throw new InvalidDataException("Empty RESP line.");
        }

        line = buffer.Slice(start, end);
        next = start + end + 2;
        return true;
    }

    private static long ParseInteger(ReadOnlySpan<byte> digits)
    {
        if (!Utf8Parser.TryParse(digits, out long value, out var used) || used != digits.Length)
        {
            throw new InvalidDataException($"RESP integer '{Encoding.ASCII.GetString(digits)}' is invalid.");
        }

        return value;
    }
}
