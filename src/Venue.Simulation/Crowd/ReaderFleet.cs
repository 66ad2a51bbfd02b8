using Venue.Domain.Layout;
using Venue.Domain.Portals;
using Venue.Domain.Readers;

namespace Venue.Simulation.Crowd;

/// <summary>
/// The RFID readers of any venue layout, reporting people who wander: each pass takes a random
/// attendee through a portal of the zone they are in (into the venue through an entrance portal while
/// they are outside), so the zones' counts stay plausible however long it runs. The reads of a pass
/// are <see cref="ReaderEmulator"/>'s: several per antenna, near antenna first, some passes seen by
/// one antenna only. Not thread-safe; seeded: the same seed wanders the same way.
/// </summary>
public sealed class ReaderFleet
{
    private readonly VenueLayout _layout;
    private readonly IReadOnlyList<string> _attendees;
    private readonly Dictionary<string, string?> _zoneOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PortalDefinition[]> _portalsFrom;
    private readonly PortalDefinition[] _entrances;
    private readonly Random _random;
    private readonly int _seed;
    private int _chunk;

    public ReaderFleet(VenueLayout layout, IReadOnlyList<string> attendeeIds, int seed)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(attendeeIds);
        if (layout.Portals.Count == 0)
        {
            throw new ArgumentException("The venue layout has no portals, so it has no readers to simulate.", nameof(layout));
        }

        if (attendeeIds.Count == 0)
        {
            throw new ArgumentException("There is no attendee to wander.", nameof(attendeeIds));
        }

        _layout = layout;
        _attendees = attendeeIds;
        _seed = seed;
        _random = new Random(seed);
        _portalsFrom = layout.Zones.ToDictionary(
            z => z.Id,
            z => layout.Portals.Where(p => p.OuterZone == z.Id || p.InnerZone == z.Id).ToArray(),
            StringComparer.Ordinal);
        // A layout without a door to the outside still gets its people in: through any portal.
        var entrances = layout.Portals.Where(p => p.OuterZone is null).ToArray();
        _entrances = entrances.Length > 0 ? entrances : [.. layout.Portals];
        Readers = [.. layout.Portals.Select(p => p.ReaderId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }

    /// <summary>Every reader the layout names, each reporting its own portals.</summary>
    public IReadOnlyList<string> Readers { get; }

    /// <summary>Passes planned so far.</summary>
    public long Passes { get; private set; }

    /// <summary>
    /// Plans <paramref name="count"/> passes, the first at <paramref name="from"/> and then
    /// <paramref name="spacing"/> apart, and returns their reads per reader in time order. Event
    /// numbers are left at 0 for the caller, who numbers each reader's reads in the order it sends them.
    /// </summary>
    public IReadOnlyDictionary<string, List<TagRead>> Next(int count, DateTimeOffset from, TimeSpan spacing)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var passes = new List<PlannedPass>(count);
        for (var i = 0; i < count; i++)
        {
            var attendee = _attendees[_random.Next(_attendees.Count)];
            _zoneOf.TryGetValue(attendee, out var zone);
            var choices = zone is not null && _portalsFrom.TryGetValue(zone, out var here) && here.Length > 0 ? here : _entrances;
            var portal = choices[_random.Next(choices.Length)];
            // From the zone they are in, through the portal; outside (or lost), in through it.
            var inward = zone is null ? portal.OuterZone is null || _random.Next(2) == 0 : portal.OuterZone == zone;
            _zoneOf[attendee] = inward ? portal.InnerZone : portal.OuterZone;
            passes.Add(new PlannedPass(attendee, portal.Id, inward, from + (spacing * i)));
        }

        Passes += count;
        var plan = new CrowdPlan("readers", passes, [], [], new Dictionary<string, string>(), from, from + (spacing * count));
        var reads = ReaderEmulator.Emit(plan, _layout, StableSeed.Of(_seed, "chunk", _chunk++), out _);
        foreach (var list in reads.Values)
        {
            for (var i = 0; i < list.Count; i++)
            {
                list[i] = list[i] with { EventNum = 0 };
            }
        }

        return reads;
    }
}
