namespace Venue.Domain.Zones;

public sealed class UnknownZoneException(string zoneId) : Exception($"Zone '{zoneId}' is not in the venue layout.")
{
    public string ZoneId { get; } = zoneId;
}
