using System.Collections.Frozen;

namespace Venue.Domain.Gates;

/// <summary>The gates one edge serves.</summary>
public sealed class GateCatalog
{
    private readonly FrozenDictionary<string, GateDefinition> _gates;

    public GateCatalog(IEnumerable<GateDefinition> gates)
    {
        var list = gates.ToList();
        var duplicate = list.GroupBy(g => g.Id).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Gate id '{duplicate.Key}' is configured twice.", nameof(gates));
        }

        _gates = list.ToFrozenDictionary(g => g.Id, StringComparer.Ordinal);
    }

    public IReadOnlyCollection<GateDefinition> All => _gates.Values;

    public bool TryGet(string gateId, out GateDefinition gate) => _gates.TryGetValue(gateId, out gate!);
}
