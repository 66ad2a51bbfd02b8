using Venue.Domain.Sync;

namespace Venue.Edge.Sync;

/// <summary>
/// Central's answer to <c>/changes</c> and the marks it sent with its positions (null from a central
/// that sends none); the edge sends them back with its next request.
/// </summary>
public sealed record ChangesAnswer(LedgerChangesWire Page, string? LedgerAt, string? PassagesAt)
{
    /// <summary>The fingerprint of the keys central honours (<c>Venue-Keys</c>); null from a central that sends none.</summary>
    public string? KeysFingerprint { get; init; }
}
