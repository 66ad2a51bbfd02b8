using System.Buffers.Binary;
using System.Text;

namespace Venue.Messaging.Mqtt;

/// <summary>Encoding of the MQTT 3.1.1 control packets a publisher needs (OASIS MQTT 3.1.1, section 3).</summary>
internal static class MqttPacket
{
    public const byte Connect = 1, ConnAck = 2, Publish = 3, PubAck = 4, PingReq = 12, PingResp = 13, Disconnect = 14;

    /// <summary>Largest remaining length the protocol can express (four length bytes).</summary>
    public const int MaxRemainingLength = 268_435_455;

    public static byte[] EncodeConnect(string clientId, string? userName, string? password, ushort keepAliveSeconds)
    {
        var body = new List<byte>(64);
        WriteString(body, "MQTT");
        body.Add(4); // protocol level 4 = 3.1.1
        byte flags = 0x02; // clean session: a publisher keeps no session state at the broker
        if (userName is not null)
        {
            flags |= 0x80;
        }

        if (password is not null)
        {
            flags |= 0x40;
        }

        body.Add(flags);
        body.Add((byte)(keepAliveSeconds >> 8));
        body.Add((byte)keepAliveSeconds);
        WriteString(body, clientId);
        if (userName is not null)
        {
            WriteString(body, userName);
        }

        if (password is not null)
        {
            WriteString(body, password);
        }

        return Frame(Connect << 4, body);
    }

    /// <summary>A PUBLISH packet; <paramref name="packetId"/> is used (and required) for QoS 1 only.</summary>
    public static byte[] EncodePublish(string topic, ReadOnlySpan<byte> payload, int qos, ushort packetId)
    {
        var topicBytes = Encoding.UTF8.GetByteCount(topic);
        var remaining = 2 + topicBytes + (qos > 0 ? 2 : 0) + payload.Length;
        if (remaining > MaxRemainingLength)
        {
            throw new ArgumentException($"A publish of {payload.Length} bytes is larger than MQTT allows.", nameof(payload));
        }

        var lengthBytes = LengthSize(remaining);
        var packet = new byte[1 + lengthBytes + remaining];
        packet[0] = (byte)((Publish << 4) | (qos << 1));
        var at = 1 + WriteLength(packet.AsSpan(1), remaining);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(at), (ushort)topicBytes);
        at += 2;
        at += Encoding.UTF8.GetBytes(topic, packet.AsSpan(at));
        if (qos > 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(at), packetId);
            at += 2;
        }

        payload.CopyTo(packet.AsSpan(at));
        return packet;
    }

    public static readonly byte[] PingRequest = [PingReq << 4, 0];

    public static readonly byte[] DisconnectPacket = [Disconnect << 4, 0];

    public static int LengthSize(int remaining) => remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;

    private static int WriteLength(Span<byte> into, int remaining)
    {
        var i = 0;
        do
        {
            var digit = (byte)(remaining % 128);
            remaining /= 128;
            into[i++] = remaining > 0 ? (byte)(digit | 0x80) : digit;
        }
        while (remaining > 0);
        return i;
    }

    private static byte[] Frame(int firstByte, List<byte> body)
    {
        var packet = new byte[1 + LengthSize(body.Count) + body.Count];
        packet[0] = (byte)firstByte;
        var at = 1 + WriteLength(packet.AsSpan(1), body.Count);
        body.CopyTo(packet, at);
        return packet;
    }

    private static void WriteString(List<byte> into, string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        if (bytes.Length > ushort.MaxValue)
        {
            throw new ArgumentException("An MQTT string is at most 65,535 bytes.", nameof(value));
        }

        into.Add((byte)(bytes.Length >> 8));
        into.Add((byte)bytes.Length);
        into.AddRange(bytes);
    }
}
