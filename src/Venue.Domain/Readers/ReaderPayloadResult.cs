namespace Venue.Domain.Readers;

/// <summary>
/// The reads one reader payload holds, or the error that refuses it. A payload is taken whole or not
/// at all: with an error, <see cref="Reads"/> is empty, so a dead-lettered message can be fixed and
/// replayed without half of it already applied. <see cref="IgnoredEvents"/> counts well-formed events
/// that are not tag reads (an Impinj <c>antennaConnected</c>, a Zebra event of another type).
/// </summary>
public sealed record ReaderPayloadResult(IReadOnlyList<TagRead> Reads, int IgnoredEvents, ReaderPayloadError? Error)
{
    public bool Succeeded => Error is null;

    public static ReaderPayloadResult Failed(ReaderPayloadError error) => new([], 0, error);
}
