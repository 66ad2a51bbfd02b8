namespace Venue.Domain.Portals;

public sealed class UnknownPortalException(string portalId) : Exception($"Portal '{portalId}' is not in the venue layout.")
{
    public string PortalId { get; } = portalId;
}
