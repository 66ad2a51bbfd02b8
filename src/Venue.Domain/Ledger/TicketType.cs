namespace Venue.Domain.Ledger;

/// <summary>A kind of ticket and its rules. <see cref="Gates"/> null means every gate.</summary>
public sealed record TicketType(string Name, bool Reentry, IReadOnlyList<string>? Gates)
{
    public bool AllowsGate(string gateId) => Gates is null || Gates.Contains(gateId, StringComparer.Ordinal);
}
