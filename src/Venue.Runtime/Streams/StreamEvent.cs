namespace Venue.Runtime.Streams;

/// <summary>An item on a stream with its sequence number (1, 2, 3, ... per stream).</summary>
public sealed record StreamEvent<T>(StreamId Stream, long Sequence, T Item);
