using Venue.Domain.Readers;

namespace Venue.Simulation.Crowd;

/// <summary>
/// What the crowd phase left behind on one edge, read back after it: where the plan put each person
/// and where the edge's location grains say they are, each zone's occupancy, the reads the simulated
/// readers emitted and those the edge's read journal holds, and the duplicates it dropped.
/// </summary>
internal sealed record CrowdEdgeFacts(
    string EdgeId,
    IReadOnlyDictionary<string, string> PlannedZone,
    IReadOnlyDictionary<string, string?> LocatedZone,
    IReadOnlyList<ZoneFigure> Zones,
    IReadOnlyDictionary<string, List<TagRead>> Emitted,
    IReadOnlyList<TagRead> Journaled,
    long DuplicatesDropped);

/// <summary>
/// The crowd phase on every edge: <see cref="Redelivered"/> reads sent a second time, which the edges
/// must drop exactly (<see cref="ExactRedelivery"/>: nothing else delivers twice, as in process) or at
/// least (a broker may redeliver on its own); the desks' answers that were not as planned (a lead
/// 'captured', its retry 'updated'; an attendee's first quiz completion at an edge 'awarded', any
/// later one 'already_awarded') and what the booths counted.
/// </summary>
internal sealed record CrowdFacts(
    IReadOnlyList<CrowdEdgeFacts> Edges,
    long Redelivered,
    bool ExactRedelivery,
    int LeadScans,
    int Booths,
    int QuizCompletions,
    IReadOnlyList<string> WrongAnswers,
    IReadOnlyList<string> LeadProblems)
{
    /// <summary>Attendees whose points on the attendee board are not what their leads, quiz and sessions earned (<see cref="CrowdVerdict.AttendeePointProblems"/>).</summary>
    public IReadOnlyList<string> PointProblems { get; init; } = [];

    /// <summary>Attendees whose points were read back and judged.</summary>
    public int AttendeesScored { get; init; }
}

/// <summary>Judges the crowd phase by identities, not totals: each person's zone, each read.</summary>
internal static class CrowdVerdict
{
    public const string ZonesName = "Everybody in the zone the plan put them in, and zone occupancy equals them";
    public const string ReadsName = "Every read journaled exactly once";
    public const string LeadsName = "Leads, quiz awards, booth and attendee points counted once";

    public static IReadOnlyList<VerdictCheck> Judge(CrowdFacts f) => [Zones(f), Reads(f), Leads(f)];

    private static VerdictCheck Zones(CrowdFacts f)
    {
        var people = f.Edges.Sum(e => e.PlannedZone.Count);
        var zones = f.Edges.SelectMany(e => e.Zones).ToList();
        if (people == 0)
        {
            return VerdictCheck.NotExercised(ZonesName, "nobody was inside to wander the floor");
        }

        var misplaced = f.Edges.SelectMany(e => e.PlannedZone
                .Where(kv => !string.Equals(e.LocatedZone.GetValueOrDefault(kv.Key), kv.Value, StringComparison.Ordinal))
                .Select(kv => $"{kv.Key} in {e.LocatedZone.GetValueOrDefault(kv.Key) ?? "no zone"} (planned {kv.Value})"))
            .ToList();
        var differ = zones.Where(z => z.Occupancy != z.Expected).ToList();
        return new VerdictCheck(ZonesName, misplaced.Count == 0 && differ.Count == 0,
            misplaced.Count == 0 && differ.Count == 0
                ? $"{people:N0} people on {f.Edges.Count} edge(s) each where the plan put them (their location grains); {zones.Count} zones hold exactly them"
                : $"{misplaced.Count} people elsewhere{(misplaced.Count > 0 ? $", e.g. {string.Join("; ", misplaced.Take(3))}" : "")}; " +
                  $"{differ.Count} zones differ{(differ.Count > 0 ? $", e.g. {string.Join("; ", differ.Take(4).Select(z => $"{z.ZoneId} {z.Occupancy} (expected {z.Expected})"))}" : "")}");
    }

    private static VerdictCheck Reads(CrowdFacts f)
    {
        long emitted = 0, journaled = 0, missing = 0, unknown = 0, twice = 0, different = 0, duplicates = 0;
        foreach (var edge in f.Edges)
        {
            var sent = new Dictionary<(string Reader, long EventNum), TagRead>();
            foreach (var read in edge.Emitted.Values.SelectMany(r => r))
            {
                sent[(read.ReaderId, read.EventNum)] = read;
            }

            var seen = new HashSet<(string, long)>();
            foreach (var read in edge.Journaled)
            {
                var key = (read.ReaderId, read.EventNum);
                if (!sent.TryGetValue(key, out var original))
                {
                    unknown++;
                }
                else if (!seen.Add(key))
                {
                    twice++;
                }
                else if (!Same(original, read))
                {
                    different++;
                }
            }

            emitted += sent.Count;
            journaled += edge.Journaled.Count;
            missing += sent.Count - seen.Count;
            duplicates += edge.DuplicatesDropped;
        }

        if (emitted == 0)
        {
            return VerdictCheck.NotExercised(ReadsName, "no read emitted: nobody crossed a portal");
        }

        var dropped = f.ExactRedelivery ? duplicates == f.Redelivered : duplicates >= f.Redelivered;
        var passed = missing == 0 && unknown == 0 && twice == 0 && different == 0 && dropped;
        return new VerdictCheck(ReadsName, passed,
            $"{emitted:N0} distinct reads emitted, {journaled:N0} journaled (read back: {missing} missing, {twice} twice, {unknown} never emitted, {different} with another tag, antenna or time); " +
            $"{f.Redelivered:N0} delivered twice, {duplicates:N0} dropped as duplicates{(f.ExactRedelivery ? " (must be equal)" : " (at least as many)")}");
    }

    /// <summary>
    /// The desks' answers that were not as planned: a lead 'captured', the booth app's retry of it
    /// 'updated'; an attendee's first quiz completion at an edge 'awarded', a later one (from another
    /// booth's quiz) 'already_awarded'. Per edge: a badge admitted at two edges during the partition
    /// is inside at both, and each edge keeps its own points.
    /// </summary>
    public static List<string> DeskAnswersNotAsPlanned(IEnumerable<PlannedLead> leads, IReadOnlyDictionary<(string Booth, string Attendee), string> leadAnswers,
        IEnumerable<(string Edge, string Attendee, string Answer)> quizAnswers)
    {
        var wrong = new List<string>();
        foreach (var lead in leads)
        {
            var answer = leadAnswers.GetValueOrDefault((lead.BoothId, lead.AttendeeId), "not sent");
            var want = lead.Retried ? "updated" : "captured";
            if (answer != want)
            {
                wrong.Add($"lead of {lead.AttendeeId} at {lead.BoothId}: {answer}, expected {want}");
            }
        }

        var awarded = new HashSet<(string, string)>();
        foreach (var (edge, attendee, answer) in quizAnswers)
        {
            var want = awarded.Add((edge, attendee)) ? "awarded" : "already_awarded";
            if (answer != want)
            {
                wrong.Add($"quiz completion of {attendee} at {edge}: {answer}, expected {want}");
            }
        }

        return wrong;
    }

    /// <summary>
    /// An edge's attendee board against what the plan earned: each attendee's points are the booth
    /// points of every booth that captured them, the quiz's if their completion was awarded, and the
    /// session points of some number of sessions (which sessions count depends on when the readers
    /// decided their passes, so the plan cannot say); those numbers add up to the attendances the
    /// edge's sessions counted. A lead or quiz paid twice, or a session paid without being counted,
    /// shows here.
    /// </summary>
    public static List<string> AttendeePointProblems(string edgeId, IReadOnlyDictionary<string, long> scores, IEnumerable<PlannedLead> leads,
        IReadOnlySet<string> quizAwarded, long sessionsAttended, Domain.Leaderboards.PointsTable points, int quizPoints)
    {
        var booths = leads.GroupBy(l => l.AttendeeId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(l => l.BoothId).Distinct(StringComparer.Ordinal).Count(), StringComparer.Ordinal);
        var problems = new List<string>();
        long sessionAwards = 0;
        foreach (var (attendee, score) in scores.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var earned = (long)booths.GetValueOrDefault(attendee) * points.Booth + (quizAwarded.Contains(attendee) ? quizPoints : 0);
            var rest = score - earned;
            if (rest < 0 || (points.Session > 0 ? rest % points.Session != 0 : rest != 0))
            {
                problems.Add($"{attendee} at {edgeId}: {score} points, {earned} earned at booths and the quiz, and the rest no number of sessions");
            }
            else if (points.Session > 0)
            {
                sessionAwards += rest / points.Session;
            }
        }

        if (problems.Count == 0 && sessionAwards != sessionsAttended)
        {
            problems.Add($"{edgeId}: session points paid for {sessionAwards} attendances, its sessions counted {sessionsAttended}");
        }

        return problems;
    }

    /// <summary>The same tag at the same antenna and time, to the millisecond (Zebra's JSON timestamps carry no finer).</summary>
    private static bool Same(TagRead a, TagRead b) =>
        a.Epc == b.Epc && a.Antenna == b.Antenna && a.ReadAt.ToUnixTimeMilliseconds() == b.ReadAt.ToUnixTimeMilliseconds();

    private static VerdictCheck Leads(CrowdFacts f)
    {
        if (f.LeadScans == 0 && f.QuizCompletions == 0)
        {
            return VerdictCheck.NotExercised(LeadsName, "no lead or quiz completion planned");
        }

        var passed = f.LeadProblems.Count == 0 && f.WrongAnswers.Count == 0 && f.PointProblems.Count == 0;
        return new VerdictCheck(LeadsName, passed,
            passed ? $"{f.LeadScans:N0} leads at {f.Booths} booths, each answered 'captured' (a retried scan 'updated') and counted once; " +
                     $"{f.QuizCompletions:N0} quiz completions, each attendee awarded once per edge; " +
                     $"{f.AttendeesScored:N0} attendees' points are their leads', quiz's and counted sessions'"
                : $"{f.WrongAnswers.Count} answers not as planned{(f.WrongAnswers.Count > 0 ? $", e.g. {string.Join("; ", f.WrongAnswers.Take(3))}" : "")}; " +
                  $"{f.LeadProblems.Count} booths counted wrong{(f.LeadProblems.Count > 0 ? $", e.g. {string.Join("; ", f.LeadProblems.Take(3))}" : "")}; " +
                  $"{f.PointProblems.Count} attendee point problems{(f.PointProblems.Count > 0 ? $", e.g. {string.Join("; ", f.PointProblems.Take(3))}" : "")}");
    }
}
