using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Venue.LoadHarness.Resp;

/// <summary>
/// A minimal Redis client connection speaking RESP2: one command at a time, request then reply
/// (no pipelining), so a caller owns the connection for the length of a call. Pool connections to
/// run calls concurrently.
/// </summary>
public sealed class RespConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ArrayBufferWriter<byte> _request = new(256);
    private byte[] _buffer = new byte[4096];
    private int _start;
    private int _end;

    private RespConnection(Socket socket) => _socket = socket;

    public static async Task<RespConnection> ConnectAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return new RespConnection(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command and returns its reply; an error reply is returned, not thrown.</summary>
    public async Task<RespValue> CallAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        Encode(arguments);
        var pending = _request.WrittenMemory;
        while (!pending.IsEmpty)
        {
            var sent = await _socket.SendAsync(pending, SocketFlags.None, cancellationToken);
            pending = pending[sent..];
        }

        while (true)
        {
            if (_end > _start && RespParser.TryParse(_buffer.AsSpan(_start, _end - _start), out var reply, out var consumed))
            {
                _start += consumed;
                if (_start == _end)
                {
                    _start = _end = 0;
                }

                return reply;
            }

            MakeRoom();
            var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                throw new IOException("Redis closed the connection.");
            }

            _end += read;
        }
    }

    /// <summary>Like <see cref="CallAsync"/> but an error reply throws <see cref="RedisErrorException"/>.</summary>
    public async Task<RespValue> CallCheckedAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken = default)
    {
        var reply = await CallAsync(arguments, cancellationToken);
        return reply.IsError ? throw new RedisErrorException($"{arguments[0]}: {reply.Text}") : reply;
    }

    private void Encode(IReadOnlyList<string> arguments)
    {
        _request.ResetWrittenCount();
        WriteHeader((byte)'*', arguments.Count);
        foreach (var argument in arguments)
        {
            var length = Encoding.UTF8.GetByteCount(argument);
            WriteHeader((byte)'$', length);
            var written = Encoding.UTF8.GetBytes(argument, _request.GetSpan(length + 2));
            _request.Advance(written);
            WriteCrLf();
        }
    }

    private void WriteHeader(byte prefix, int number)
    {
        var span = _request.GetSpan(16);
        span[0] = prefix;
        Utf8Formatter.TryFormat(number, span[1..], out var digits);
        _request.Advance(1 + digits);
        WriteCrLf();
    }

    private void WriteCrLf()
    {
        "\r\n"u8.CopyTo(_request.GetSpan(2));
        _request.Advance(2);
    }

    /// <summary>Moves unread bytes to the front and grows the buffer when a reply outgrows it.</summary>
    private void MakeRoom()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
