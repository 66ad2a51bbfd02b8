namespace Venue.Domain.Readers;

/// <summary>Why a reader payload was refused as a whole. The consumer dead-letters it and counts it by this kind.</summary>
public enum ReaderPayloadErrorKind
{
    /// <summary>Larger than the configured limit; not even looked at.</summary>
    Oversized,
    /// <summary>Not JSON, or JSON that is not an event object, an array of them, or objects one after another.</summary>
    Malformed,
    /// <summary>Well-formed JSON with a field missing or out of range (EPC not hex, antenna outside 1..64, ...).</summary>
    Invalid,
}
