using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace Venue.Hosting.Http;

/// <summary>What reading a request body up to a limit found.</summary>
public enum BodyRead
{
    Read,
    Empty,
    TooLarge,
}

/// <summary>
/// A request body read whole into a pooled buffer, never more than a limit: a declared length over it
/// is refused before a byte is read, and an undeclared one as soon as the limit is passed, so a caller
/// (anonymous ones included) can make the silo hold no more than that. Dispose it to give the buffer back.
/// </summary>
public readonly struct BoundedBody : IDisposable
{
    private readonly byte[]? _buffer;

    private BoundedBody(BodyRead status, byte[]? buffer, int length)
    {
        Status = status;
        _buffer = buffer;
        Length = length;
    }

    public BodyRead Status { get; }

    public int Length { get; }

    /// <summary>The body's bytes; valid until this is disposed.</summary>
    public ReadOnlyMemory<byte> Bytes => _buffer is null ? ReadOnlyMemory<byte>.Empty : _buffer.AsMemory(0, Length);

    public static async Task<BoundedBody> ReadAsync(HttpRequest request, int limit)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > limit)
        {
            return new BoundedBody(BodyRead.TooLarge, null, 0);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(limit + 1);
        try
        {
            var length = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer.AsMemory(length, limit + 1 - length), request.HttpContext.RequestAborted)) > 0)
            {
                length += read;
                if (length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return new BoundedBody(BodyRead.TooLarge, null, 0);
                }
            }

            if (length == 0)
            {
                ArrayPool<byte>.Shared.Return(buffer);
                return new BoundedBody(BodyRead.Empty, null, 0);
            }

            return new BoundedBody(BodyRead.Read, buffer, length);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
