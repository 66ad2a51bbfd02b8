namespace Venue.Domain.Portals;

/// <summary>
/// A doorway between two zones with one antenna on each side, served by one reader.
/// <see cref="OuterZone"/> null means the outer side is outside the venue. A tag seen first on the
/// outer antenna, then on the inner one, moved from <see cref="OuterZone"/> into <see cref="InnerZone"/>.
/// </summary>
public sealed record PortalDefinition(
    string Id,
    string Name,
    string ReaderId,
    int OuterAntenna,
    int InnerAntenna,
    string? OuterZone,
    string InnerZone)
{
    public bool Serves(int antenna) => antenna == OuterAntenna || antenna == InnerAntenna;

    /// <summary>The zone on the side of <paramref name="antenna"/> (null: outside).</summary>
    public string? ZoneOn(int antenna) => antenna == InnerAntenna ? InnerZone : OuterZone;
}
