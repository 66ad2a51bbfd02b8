using Venue.Domain.Layout;
using Venue.Domain.Leaderboards;
using Venue.Domain.Readers;
using Venue.Simulation.Crowd;

namespace Venue.TelemetryBench.Floor;

/// <summary>
/// One edge's floor for the bench: several areas, each the simulator's <see cref="CrowdLayout"/>
/// (lobby, hall, session room, food court, three stands; three readers), merged into one venue
/// layout, so one edge has a dozen readers as a large hall would. Attendees are spread over the
/// areas; each area's day is planned by <see cref="CrowdPlanner"/> and turned into noisy reads by
/// <see cref="ReaderEmulator"/>. Everything is built before any timing starts.
/// </summary>
internal sealed class BenchFloor
{
    /// <summary>Area names: distinct first letters and lengths give each area its own planner seed.</summary>
    public static readonly string[] AreaNames = ["north", "east", "south", "west", "upper", "lower", "front", "back"];

    /// <summary>Event time at which the floor opens (the day is planned from here).</summary>
    public static readonly DateTimeOffset Opens = new(2026, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly Dictionary<string, Walk> _walks;

    private BenchFloor(VenueLayout layout, string[] areas, string[] readers, TagRead[][] reads, Merged[] merged,
        IReadOnlyDictionary<string, int> expectedZones, (string Attendee, string Area)[] attendees, int passes, ReaderNoise noise, Dictionary<string, Walk> walks)
    {
        _walks = walks;
        Layout = layout;
        Areas = areas;
        Readers = readers;
        Reads = reads;
        Order = merged;
        ExpectedZones = expectedZones;
        Attendees = attendees;
        Passes = passes;
        Noise = noise;
    }

    public VenueLayout Layout { get; }

    public string[] Areas { get; }

    /// <summary>Reader ids; index r of <see cref="Reads"/> is reader r's reads in its own time order.</summary>
    public string[] Readers { get; }

    public TagRead[][] Reads { get; }

    /// <summary>Every read of the day in event-time order, as (reader, index in that reader's reads).</summary>
    public Merged[] Order { get; }

    public long TotalReads => Order.Length;

    /// <summary>Where the plan leaves everybody at the end of the day: people per zone.</summary>
    public IReadOnlyDictionary<string, int> ExpectedZones { get; }

    /// <summary>Every attendee with the area whose lobby they are admitted into.</summary>
    public (string Attendee, string Area)[] Attendees { get; }

    public int Passes { get; }

    public ReaderNoise Noise { get; }

    public static string Gate(string area) => $"G-{area}";

    public static BenchFloor Build(int attendees, int areaCount, int seed)
    {
        var areas = AreaNames[..areaCount];
        var perArea = attendees / areaCount;
        var sessionStart = Opens + CrowdPlanner.SessionOffset;
        var parts = areas.Select(a => CrowdLayout.For(a, perArea, sessionStart)).ToList();
        var layout = new VenueLayout
        {
            Format = VenueLayout.FormatName,
            Zones = [.. parts.SelectMany(p => p.Zones)],
            Portals = [.. parts.SelectMany(p => p.Portals)],
            Booths = [.. parts.SelectMany(p => p.Booths)],
            Sessions = [.. parts.SelectMany(p => p.Sessions)],
            Challenges = [new ChallengeDefinition(CrowdLayout.Challenge, "Robotics quiz")],
        }.Validate();

        var everyone = new (string, string)[perArea * areaCount];
        var readsByReader = new Dictionary<string, List<TagRead>>(StringComparer.Ordinal);
        var expected = new Dictionary<string, int>(StringComparer.Ordinal);
        var walks = new Dictionary<string, Walk>(StringComparer.Ordinal);
        int passes = 0, oneAntenna = 0, atOnce = 0;
        for (var a = 0; a < areas.Length; a++)
        {
            var inside = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < perArea; i++)
            {
                var id = $"A{(a * perArea) + i:D7}";
                inside[id] = "not-a-badge";
                everyone[(a * perArea) + i] = (id, areas[a]);
            }

            var plan = CrowdPlanner.Plan(areas[a], inside, Opens, seed);
            var emitted = ReaderEmulator.Emit(plan, layout, seed, out var noise);
            foreach (var (reader, readerReads) in emitted)
            {
                readsByReader[reader] = readerReads;
            }

            foreach (var zone in plan.FinalZone.Values)
            {
                expected[zone] = expected.GetValueOrDefault(zone) + 1;
            }

            var byAttendee = plan.Passes.GroupBy(p => p.AttendeeId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderBy(p => p.At).ToArray(), StringComparer.Ordinal);
            foreach (var id in inside.Keys)
            {
                walks[EpcCodec.Encode(id)] = new Walk(id, CrowdLayout.Lobby(areas[a]), byAttendee.GetValueOrDefault(id) ?? []);
            }

            passes += noise.Passes;
            oneAntenna += noise.OneAntenna;
            atOnce += noise.AtOnce;
        }

        var readers = readsByReader.Keys.Order(StringComparer.Ordinal).ToArray();
        var reads = readers.Select(r => readsByReader[r].ToArray()).ToArray();
        var merged = new Merged[reads.Sum(r => r.Length)];
        var n = 0;
        for (var r = 0; r < reads.Length; r++)
        {
            for (var i = 0; i < reads[r].Length; i++)
            {
                merged[n++] = new Merged(r, i, reads[r][i].ReadAt.UtcTicks);
            }
        }

        // Stable on time, then reader: the same seed gives the same order.
        Array.Sort(merged, static (x, y) => x.At != y.At ? x.At.CompareTo(y.At) : x.Reader != y.Reader ? x.Reader.CompareTo(y.Reader) : x.Index.CompareTo(y.Index));
        var floor = new BenchFloor(layout, areas, readers, reads, merged, expected, everyone, passes, new ReaderNoise(passes, oneAntenna, atOnce), walks);
        // The replay the latency read back relies on must give, after the whole day, the plan's own final zones.
        var (atEnd, midPass) = floor.ZonesAfter(floor.TotalReads);
        var replayed = atEnd.Values.GroupBy(z => z ?? "outside", StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        if (midPass != 0 || replayed.Count != expected.Count || replayed.Any(z => expected.GetValueOrDefault(z.Key) != z.Value))
        {
            throw new InvalidOperationException("Replaying the planned passes does not end where the plan's final zones say everybody is.");
        }

        return floor;
    }

    /// <summary>
    /// Where the plan has everybody once the edge has decided the day's first <paramref name="count"/>
    /// reads (event-time order): by attendee, the zone after every pass whose reads all lie in that
    /// prefix. An attendee one of whose passes the prefix cuts through (some reads in, the rest after)
    /// is left out and counted in MidPass: the edge decides such a pass on the reads it got, which the
    /// plan does not. A read belongs to its attendee's latest planned pass at or before it: a pass's
    /// reads start at its time and last about a second (ReaderEmulator), and one attendee's passes are
    /// at least a minute apart (CrowdPlanner).
    /// </summary>
    public (IReadOnlyDictionary<string, string?> Zones, int MidPass) ZonesAfter(long count)
    {
        count = Math.Min(count, Order.Length);
        var lastIn = new Dictionary<string, long>(StringComparer.Ordinal);
        for (long i = 0; i < count; i++)
        {
            var read = Reads[Order[i].Reader][Order[i].Index];
            lastIn[read.Epc] = read.ReadAt.UtcTicks;
        }

        var firstAfter = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = count; i < Order.Length && firstAfter.Count < _walks.Count; i++)
        {
            var read = Reads[Order[i].Reader][Order[i].Index];
            firstAfter.TryAdd(read.Epc, read.ReadAt.UtcTicks);
        }

        var zones = new Dictionary<string, string?>(StringComparer.Ordinal);
        var midPass = 0;
        foreach (var (epc, walk) in _walks)
        {
            var decided = lastIn.TryGetValue(epc, out var last) ? walk.LatestAt(last) : -1;
            if (decided >= 0 && firstAfter.TryGetValue(epc, out var next) && walk.LatestAt(next) == decided)
            {
                midPass++;
                continue;
            }

            string? zone = walk.Lobby;
            for (var p = 0; p <= decided; p++)
            {
                var pass = walk.Passes[p];
                var portal = Layout.TryGetPortal(pass.PortalId, out var found) ? found : throw new InvalidOperationException($"The plan crosses portal {pass.PortalId}, which the layout lacks.");
                zone = pass.Inward ? portal.InnerZone : portal.OuterZone;
            }

            zones[walk.Attendee] = zone;
        }

        return (zones, midPass);
    }

    /// <summary>
    /// The first <paramref name="count"/> reads of the day (event-time order) split by reader: each
    /// reader's share is a prefix of its own reads, in its own order.
    /// </summary>
    public TagRead[][] Prefix(long count) => Slice(0, count);

    /// <summary>
    /// Reads <paramref name="from"/> (inclusive) to <paramref name="to"/> (exclusive) of the day in
    /// event-time order, split by reader: each reader's share is a run of its own reads, in its own order.
    /// </summary>
    public TagRead[][] Slice(long from, long to)
    {
        to = Math.Min(to, Order.Length);
        from = Math.Min(from, to);
        var before = new int[Readers.Length];
        var within = new int[Readers.Length];
        for (var i = 0; i < to; i++)
        {
            (i < from ? before : within)[Order[i].Reader]++;
        }

        return [.. within.Select((c, r) => Reads[r][before[r]..(before[r] + c)])];
    }

    /// <summary>
    /// The first <paramref name="count"/> reads of the day as rounds a closed loop hands in: round w is
    /// the next <c>readers × batch</c> reads in event-time order, split by reader, each reader's share
    /// cut into batches of at most <paramref name="batch"/>. Readers hand in a round at once and wait
    /// for each other before the next, so no reader runs ahead of the others in event time by more
    /// than a round (real readers share the wall clock; one racing minutes ahead would feed an
    /// attendee's later crossing before an earlier one at another reader).
    /// </summary>
    public TagRead[][][][] Rounds(long count, int batch)
    {
        count = Math.Min(count, Order.Length);
        var perRound = (long)Readers.Length * batch;
        var rounds = new List<TagRead[][][]>();
        for (long start = 0; start < count; start += perRound)
        {
            var end = Math.Min(count, start + perRound);
            var shares = new List<TagRead>[Readers.Length];
            for (var r = 0; r < shares.Length; r++)
            {
                shares[r] = [];
            }

            for (var i = start; i < end; i++)
            {
                shares[Order[i].Reader].Add(Reads[Order[i].Reader][Order[i].Index]);
            }

            rounds.Add([.. shares.Select(share => share.Chunk(batch).ToArray())]);
        }

        return [.. rounds];
    }
}

/// <summary>A read's place in the day: its reader, its index among that reader's reads, its time (UTC ticks).</summary>
internal readonly record struct Merged(int Reader, int Index, long At);

/// <summary>One attendee's planned day: admitted into <paramref name="Lobby"/>, then the passes in time order.</summary>
internal sealed record Walk(string Attendee, string Lobby, PlannedPass[] Passes)
{
    /// <summary>The index of the latest pass at or before <paramref name="ticks"/> (UTC), or -1.</summary>
    public int LatestAt(long ticks)
    {
        int lo = 0, hi = Passes.Length - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            if (Passes[mid].At.UtcTicks <= ticks)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }
}
