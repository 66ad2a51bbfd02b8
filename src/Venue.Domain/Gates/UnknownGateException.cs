namespace Venue.Domain.Gates;

public sealed class UnknownGateException(string gateId) : Exception($"Gate '{gateId}' is not configured on this edge.")
{
    public string GateId { get; } = gateId;
}
