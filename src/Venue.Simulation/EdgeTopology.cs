using Venue.Domain.Gates;

namespace Venue.Simulation;

/// <summary>
/// Which edge serves which gates, and when (if ever) the first edge is cut off from central. The
/// planner uses it to know which scans two edges can and cannot agree on; the runner to route
/// each scan to its gate's edge and to time the partition.
/// </summary>
public sealed class EdgeTopology
{
    private static readonly string[] Names = ["north", "south", "east", "west"];

    private readonly Dictionary<string, string> _edgeOfGate;

    private EdgeTopology(IReadOnlyList<string> edges, IReadOnlyDictionary<string, IReadOnlyList<GateDefinition>> gates, PartitionWindow? partition)
    {
        Edges = edges;
        Gates = gates;
        Partition = partition;
        _edgeOfGate = gates.SelectMany(kv => kv.Value.Select(g => (g.Id, Edge: kv.Key))).ToDictionary(x => x.Id, x => x.Edge, StringComparer.Ordinal);
    }

    public const int MaxEdges = 4;

    /// <summary>The names the first <paramref name="edges"/> edges get, in order.</summary>
    public static IReadOnlyList<string> NamesOf(int edges) => Names[..Math.Clamp(edges, 0, MaxEdges)];

    public IReadOnlyList<string> Edges { get; }

    /// <summary>The gates each edge serves.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<GateDefinition>> Gates { get; }

    public PartitionWindow? Partition { get; }

    public string EdgeOf(string gateId) => _edgeOfGate[gateId];

    /// <summary>
    /// Splits the gates between <paramref name="edges"/> edges (north, south, east, west): public
    /// gates dealt out in turn, then staff gates, so each edge gets a fair share of both kinds.
    /// </summary>
    public static EdgeTopology Split(IReadOnlyList<GateDefinition> gates, int edges, PartitionWindow? partition)
    {
        ArgumentNullException.ThrowIfNull(gates);
        ArgumentOutOfRangeException.ThrowIfLessThan(edges, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(edges, MaxEdges);
        var names = Names[..edges];
        var split = names.ToDictionary(n => n, _ => new List<GateDefinition>(), StringComparer.Ordinal);
        var publicGates = gates.Where(g => g.AllowedTicketTypes is null).ToList();
        var staffGates = gates.Where(g => g.AllowedTicketTypes is not null).ToList();
        if (publicGates.Count < edges)
        {
            throw new ArgumentOutOfRangeException(nameof(gates), gates.Count, $"{edges} edges need at least {edges} public gates, one each.");
        }

        for (var i = 0; i < publicGates.Count; i++)
        {
            split[names[i % edges]].Add(publicGates[i]);
        }

        // The deal goes on where the public gates stopped, so the edges end up with as many gates each as can be.
        for (var i = 0; i < staffGates.Count; i++)
        {
            split[names[(publicGates.Count + i) % edges]].Add(staffGates[i]);
        }

        if (partition is not null && !names.Contains(partition.Edge, StringComparer.Ordinal))
        {
            throw new ArgumentException($"The partitioned edge '{partition.Edge}' is not one of {string.Join(", ", names)}.", nameof(partition));
        }

        // Each edge's gates lead into that edge's own lobby (Crowd.CrowdLayout): its readers watch its own floor.
        return new EdgeTopology(names, split.ToDictionary(kv => kv.Key,
            kv => (IReadOnlyList<GateDefinition>)[.. kv.Value.OrderBy(g => g.Id, StringComparer.Ordinal).Select(g => g with { Zone = Crowd.CrowdLayout.Lobby(kv.Key) })],
            StringComparer.Ordinal), partition);
    }

    /// <summary>
    /// Whether <paramref name="edge"/>'s link to central is up for the whole of [from, to], with
    /// the settling time after the heal counted as down (the edge is still catching up then).
    /// </summary>
    public bool LinkUpThroughout(string edge, TimeSpan from, TimeSpan to) =>
        Partition is not { } p || p.Edge != edge || to < p.From || from > p.To + p.Settle;

    /// <summary>Whether <paramref name="edge"/> is cut off for the whole of [from, to].</summary>
    public bool CutOffThroughout(string edge, TimeSpan from, TimeSpan to) =>
        Partition is { } p && p.Edge == edge && from >= p.From && to <= p.To;
}

/// <summary>
/// The partition: <see cref="Edge"/> loses central (and with it every other edge) from
/// <see cref="From"/> to <see cref="To"/> after the rush starts. <see cref="Settle"/> is the time
/// allowed after the heal for the edge to catch up before it is expected to agree with the others again.
/// </summary>
public sealed record PartitionWindow(string Edge, TimeSpan From, TimeSpan To, TimeSpan Settle);
