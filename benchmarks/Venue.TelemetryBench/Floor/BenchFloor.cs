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

    private BenchFloor(VenueLayout layout, string[] areas, string[] readers, TagRead[][] reads, Merged[] merged,
        IReadOnlyDictionary<string, int> expectedZones, (string Attendee, string Area)[] attendees, int passes, ReaderNoise noise)
    {
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
        return new BenchFloor(layout, areas, readers, reads, merged, expected, everyone, passes, new ReaderNoise(passes, oneAntenna, atOnce));
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
