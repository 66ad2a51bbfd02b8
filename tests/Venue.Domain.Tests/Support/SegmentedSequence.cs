using System.Buffers;

namespace Venue.Domain.Tests;

/// <summary>Bytes cut into a chain of small segments, as a request body can arrive from Kestrel.</summary>
internal static class SegmentedSequence
{
    /// <summary>Cuts <paramref name="bytes"/> into segments of 0 to <paramref name="maxSegment"/> bytes (empty ones included).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, Random random, int maxSegment)
    {
        var first = new Segment(ReadOnlyMemory<byte>.Empty, null);
        var last = first;
        for (var offset = 0; offset < bytes.Length;)
        {
            var length = Math.Min(random.Next(0, maxSegment + 1), bytes.Length - offset);
            last = new Segment(bytes.AsMemory(offset, length), last);
            offset += length;
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, Segment? previous)
        {
            Memory = memory;
            if (previous is not null)
            {
                RunningIndex = previous.RunningIndex + previous.Memory.Length;
                previous.Next = this;
            }
        }
    }
}
