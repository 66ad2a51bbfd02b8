namespace Venue.Simulation.Crowd;

/// <summary>One crossing of a portal by one attendee at an event time, inward or outward.</summary>
public sealed record PlannedPass(string AttendeeId, string PortalId, bool Inward, DateTimeOffset At);

/// <summary>A booth's staff scanning a visitor's badge for a lead (at event time), with a rating.</summary>
public sealed record PlannedLead(string BoothId, string AttendeeId, string Token, int Rating, DateTimeOffset At, bool Retried);

/// <summary>A visitor completing the quiz challenge.</summary>
public sealed record PlannedChallenge(string AttendeeId, string Token, DateTimeOffset At);

/// <summary>
/// What an edge's crowd will do after the rush: the passes through its portals in event-time order,
/// the leads and challenge completions, and where everybody ends up (zone by attendee: the truth the
/// zones' occupancy is judged against).
/// </summary>
public sealed record CrowdPlan(
    string EdgeId,
    IReadOnlyList<PlannedPass> Passes,
    IReadOnlyList<PlannedLead> Leads,
    IReadOnlyList<PlannedChallenge> Challenges,
    IReadOnlyDictionary<string, string> FinalZone,
    DateTimeOffset From,
    DateTimeOffset To);

/// <summary>
/// Plans a day on the floor for the people inside one edge's area: from the lobby most walk into
/// the hall; from the hall they visit stands, eat, go back to the lobby, and a good share crowd into
/// the session room while the keynote is on, staying until it ends. Seeded: the same seed plans the
/// same day.
/// </summary>
public static class CrowdPlanner
{
    /// <summary>Event time the wandering covers after the rush.</summary>
    public static readonly TimeSpan Day = TimeSpan.FromHours(2);

    /// <summary>When the keynote starts, after the wandering starts.</summary>
    public static readonly TimeSpan SessionOffset = TimeSpan.FromMinutes(30);

    /// <summary>The keynote's doors open this long before it starts: people in the hall start crowding in.</summary>
    public static readonly TimeSpan KeynoteDoors = TimeSpan.FromMinutes(10);

    /// <summary>The floor starts at least this long (event time) after the last gate passage of the morning.</summary>
    public static readonly TimeSpan AfterLastPassage = TimeSpan.FromMinutes(1);

    /// <summary>
    /// When the day on the floor can start: at <paramref name="planned"/>, or later if a gate admitted
    /// or let out somebody less than <see cref="AfterLastPassage"/> before it (gates stamp passages with
    /// the edge's clock, and a location grain ignores a read older than the person's latest move, so
    /// every read must come after every passage). Null when that is after the keynote's doors open
    /// (<paramref name="keynote"/> is fixed in the layouts the edges started with): the day cannot be
    /// played as planned.
    /// </summary>
    public static DateTimeOffset? FloorStart(DateTimeOffset planned, DateTimeOffset? lastGatePassage, DateTimeOffset keynote)
    {
        var start = lastGatePassage is { } last && last + AfterLastPassage > planned ? last + AfterLastPassage : planned;
        return start > keynote - KeynoteDoors ? null : start;
    }

    /// <summary>Plans the day with the keynote <see cref="SessionOffset"/> after <paramref name="start"/>.</summary>
    public static CrowdPlan Plan(string edge, IReadOnlyDictionary<string, string> insideWithToken, DateTimeOffset start, int seed) =>
        Plan(edge, insideWithToken, start, start + SessionOffset, seed);

    /// <summary>Plans the day from <paramref name="start"/>, with the keynote (50 minutes) from <paramref name="keynote"/> as the layout has it.</summary>
    public static CrowdPlan Plan(string edge, IReadOnlyDictionary<string, string> insideWithToken, DateTimeOffset start, DateTimeOffset keynote, int seed)
    {
        var random = new Random(StableSeed.Of(seed, "plan", edge));
        var end = start + Day;
        var sessionStart = keynote;
        var sessionEnd = sessionStart.AddMinutes(50);
        var passes = new List<PlannedPass>();
        var leads = new List<PlannedLead>();
        var challenges = new List<PlannedChallenge>();
        var final = new Dictionary<string, string>(StringComparer.Ordinal);
        var lobby = CrowdLayout.Lobby(edge);
        var hall = CrowdLayout.Hall(edge);
        var room = CrowdLayout.Room(edge);
        var food = CrowdLayout.Food(edge);

        foreach (var (attendee, token) in insideWithToken.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var zone = lobby;
            var t = start + TimeSpan.FromMinutes(random.NextDouble() * 15);
            var leadsHere = new HashSet<string>(StringComparer.Ordinal);
            void Cross(string portal, bool inward, string to)
            {
                passes.Add(new PlannedPass(attendee, portal, inward, t));
                zone = to;
            }

            while (t < end)
            {
                if (zone == lobby)
                {
                    if (random.NextDouble() < 0.12)
                    {
                        break; // stays in the lobby (meeting people, the cloakroom)
                    }

                    Cross($"{edge}-lobby-hall", inward: true, hall);
                    t += Minutes(random, 5, 20);
                }
                else if (zone == hall)
                {
                    var roll = random.NextDouble();
                    if (t >= sessionStart - KeynoteDoors && t < sessionStart.AddMinutes(15) && roll < 0.45)
                    {
                        Cross($"{edge}-hall-room", inward: true, room);
                        // Keynote audiences stay to the end, and a few minutes past it.
                        t = Max(t, sessionEnd) + Minutes(random, 0, 6);
                    }
                    else if (roll < 0.55)
                    {
                        var booth = 1 + random.Next(CrowdLayout.Booths);
                        Cross($"{edge}-arch-{booth}", inward: true, CrowdLayout.Stand(edge, booth));
                        var boothId = CrowdLayout.Booth(edge, booth);
                        if (random.NextDouble() < 0.4 && leadsHere.Add(boothId))
                        {
                            leads.Add(new PlannedLead(boothId, attendee, token, 1 + random.Next(5), t + Minutes(random, 0.5, 2), random.NextDouble() < 0.1));
                            if (random.NextDouble() < 0.15)
                            {
                                challenges.Add(new PlannedChallenge(attendee, token, t + Minutes(random, 1, 3)));
                            }
                        }

                        t += Minutes(random, 3, 10);
                    }
                    else if (roll < 0.70)
                    {
                        Cross($"{edge}-hall-food", inward: true, food);
                        t += Minutes(random, 10, 30);
                    }
                    else if (roll < 0.78)
                    {
                        Cross($"{edge}-lobby-hall", inward: false, lobby);
                        t += Minutes(random, 3, 15);
                    }
                    else if (roll < 0.85)
                    {
                        break; // stays in the hall for the rest of the day
                    }
                    else
                    {
                        t += Minutes(random, 5, 20);
                    }
                }
                else if (zone == room)
                {
                    Cross($"{edge}-hall-room", inward: false, hall);
                    t += Minutes(random, 1, 10);
                }
                else if (zone == food)
                {
                    Cross($"{edge}-hall-food", inward: false, hall);
                    t += Minutes(random, 2, 10);
                }
                else
                {
                    var booth = int.Parse(zone[(zone.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                    Cross($"{edge}-arch-{booth}", inward: false, hall);
                    t += Minutes(random, 2, 10);
                }
            }

            final[attendee] = zone;
        }

        passes.Sort((a, b) => a.At.CompareTo(b.At));
        leads.Sort((a, b) => a.At.CompareTo(b.At));
        challenges.Sort((a, b) => a.At.CompareTo(b.At));
        return new CrowdPlan(edge, passes, leads, challenges, final, start, end);
    }

    private static TimeSpan Minutes(Random random, double min, double max) => TimeSpan.FromMinutes(min + random.NextDouble() * (max - min));

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
