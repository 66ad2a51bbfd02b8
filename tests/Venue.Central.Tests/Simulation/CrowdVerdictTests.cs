using Venue.Domain.Readers;
using Venue.Simulation;
using Venue.Simulation.Crowd;

namespace Venue.Central.Tests.Simulation;

/// <summary>The crowd's checks judge identities: who is in which zone, which reads the journal holds; totals that happen to agree do not pass them.</summary>
public sealed class CrowdVerdictTests
{
    private static readonly DateTimeOffset Noon = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, string> Planned = new(StringComparer.Ordinal) { ["P1"] = "north-hall", ["P2"] = "north-food" };

    private static List<TagRead> Emitted() =>
    [
        new("north-r1", 1, "E1", 1, -50, Noon),
        new("north-r1", 2, "E1", 2, -52, Noon.AddMilliseconds(60)),
        new("north-r2", 1, "E2", 1, -49, Noon.AddMilliseconds(500)),
    ];

    private static List<ZoneFigure> Zones(int hall, int food) =>
    [
        new("north", "north-hall", 10, hall, 1, 2, "Normal", 0, 0, null),
        new("north", "north-food", 10, food, 1, 1, "Normal", 0, 0, null),
    ];

    private static CrowdFacts Facts(IReadOnlyDictionary<string, string?>? located = null, IReadOnlyList<TagRead>? journaled = null, long duplicates = 1,
        long redelivered = 1, bool exact = true, IReadOnlyList<ZoneFigure>? zones = null, IReadOnlyList<string>? wrongAnswers = null) =>
        new([new CrowdEdgeFacts("north", Planned, located ?? Planned.ToDictionary(kv => kv.Key, kv => (string?)kv.Value), zones ?? Zones(1, 1),
                new Dictionary<string, List<TagRead>> { ["reads"] = Emitted() }, journaled ?? Emitted(), duplicates)],
            redelivered, exact, LeadScans: 2, Booths: 3, QuizCompletions: 1, WrongAnswers: wrongAnswers ?? [], LeadProblems: []);

    private static VerdictCheck Check(CrowdFacts facts, string name) => CrowdVerdict.Judge(facts).Single(c => c.Name == name);

    [Fact]
    public void Everybody_where_planned_and_every_read_held_once_passes_all_three()
    {
        Assert.All(CrowdVerdict.Judge(Facts()), c => Assert.True(c.Passed && c.Exercised, $"{c.Name}: {c.Detail}"));
    }

    [Fact]
    public void Two_people_in_each_other_s_zone_fail_the_zone_check_though_every_count_is_right()
    {
        var swapped = new Dictionary<string, string?> { ["P1"] = "north-food", ["P2"] = "north-hall" };

        var check = Check(Facts(located: swapped), CrowdVerdict.ZonesName);

        Assert.False(check.Passed, check.Detail);
        Assert.Contains("2 people elsewhere", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_zone_counting_other_than_its_people_fails_the_zone_check()
    {
        var check = Check(Facts(zones: Zones(hall: 2, food: 1)), CrowdVerdict.ZonesName);

        Assert.False(check.Passed, check.Detail);
    }

    [Fact]
    public void A_journal_missing_one_read_and_holding_one_never_sent_fails_the_read_check_though_the_counts_agree()
    {
        var journaled = Emitted();
        journaled[2] = journaled[2] with { EventNum = 7 };

        var check = Check(Facts(journaled: journaled), CrowdVerdict.ReadsName);

        Assert.False(check.Passed, check.Detail);
        Assert.Contains("1 missing", check.Detail, StringComparison.Ordinal);
        Assert.Contains("1 never emitted", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_read_journaled_with_another_time_fails_the_read_check()
    {
        var journaled = Emitted();
        journaled[1] = journaled[1] with { ReadAt = journaled[1].ReadAt.AddMilliseconds(1) };

        Assert.False(Check(Facts(journaled: journaled), CrowdVerdict.ReadsName).Passed);
    }

    [Fact]
    public void In_process_every_redelivered_read_and_no_other_is_a_duplicate_while_a_broker_may_redeliver_more()
    {
        Assert.False(Check(Facts(duplicates: 2, redelivered: 1, exact: true), CrowdVerdict.ReadsName).Passed);
        Assert.False(Check(Facts(duplicates: 0, redelivered: 1, exact: false), CrowdVerdict.ReadsName).Passed);
        Assert.True(Check(Facts(duplicates: 2, redelivered: 1, exact: false), CrowdVerdict.ReadsName).Passed);
    }

    [Fact]
    public void A_floor_with_no_reads_and_no_leads_leaves_those_checks_not_exercised()
    {
        var facts = new CrowdFacts([new CrowdEdgeFacts("north", Planned, Planned.ToDictionary(kv => kv.Key, kv => (string?)kv.Value), Zones(1, 1),
            new Dictionary<string, List<TagRead>>(), [], 0)], 0, true, 0, 3, 0, [], []);

        var checks = CrowdVerdict.Judge(facts);

        Assert.False(checks.Single(c => c.Name == CrowdVerdict.ReadsName).Exercised);
        Assert.False(checks.Single(c => c.Name == CrowdVerdict.LeadsName).Exercised);
        Assert.True(checks.Single(c => c.Name == CrowdVerdict.ZonesName).Passed);
    }

    [Fact]
    public void A_desk_answer_not_as_planned_fails_the_leads_and_quiz_check()
    {
        Assert.True(Check(Facts(), CrowdVerdict.LeadsName).Passed);

        var check = Check(Facts(wrongAnswers: ["quiz completion of P1: http 500, expected awarded"]), CrowdVerdict.LeadsName);

        Assert.False(check.Passed);
        Assert.Contains("quiz completion of P1", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Attendee_points_are_leads_quiz_and_counted_sessions_and_a_lead_paid_twice_or_a_session_paid_uncounted_fails()
    {
        PlannedLead Lead(string booth, string attendee, bool retried = false) => new(booth, attendee, "t", 3, Noon, retried);
        // P1: two booths (one scanned twice, a retry) and the quiz; P2: one booth and a session; P3: two sessions.
        var leads = new[] { Lead("north-B1", "P1"), Lead("north-B2", "P1"), Lead("north-B2", "P1", retried: true), Lead("north-B1", "P2") };
        var quiz = new HashSet<string>(StringComparer.Ordinal) { "P1" };
        var points = new Domain.Leaderboards.PointsTable();
        Dictionary<string, long> Scores(long p1, long p2, long p3) => new(StringComparer.Ordinal) { ["P1"] = p1, ["P2"] = p2, ["P3"] = p3 };

        Assert.Empty(CrowdVerdict.AttendeePointProblems("north", Scores(15 + 15 + 25, 15 + 10, 20), leads, quiz, sessionsAttended: 3, points, quizPoints: 25));

        var leadTwice = CrowdVerdict.AttendeePointProblems("north", Scores(15 + 15 + 15 + 25, 15 + 10, 20), leads, quiz, 3, points, 25);
        var quizTwice = CrowdVerdict.AttendeePointProblems("north", Scores(15 + 15 + 25 + 25, 15 + 10, 20), leads, quiz, 3, points, 25);
        var sessionUncounted = CrowdVerdict.AttendeePointProblems("north", Scores(15 + 15 + 25, 15 + 10, 30), leads, quiz, 3, points, 25);
        var leadUnpaid = CrowdVerdict.AttendeePointProblems("north", Scores(15 + 25, 15 + 10, 20), leads, quiz, 3, points, 25);

        Assert.Contains("P1 at north: 70 points", Assert.Single(leadTwice), StringComparison.Ordinal);
        Assert.Single(quizTwice);
        Assert.Contains("session points paid for 4 attendances, its sessions counted 3", Assert.Single(sessionUncounted), StringComparison.Ordinal);
        Assert.Contains("P1 at north: 40 points", Assert.Single(leadUnpaid), StringComparison.Ordinal);
        var check = Check(Facts() with { PointProblems = leadTwice, AttendeesScored = 3 }, CrowdVerdict.LeadsName);
        Assert.False(check.Passed);
        Assert.Contains("1 attendee point problems", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Desk_answers_are_judged_lead_by_lead_and_quiz_awards_once_per_attendee_at_each_edge()
    {
        PlannedLead Lead(string booth, string attendee, bool retried) => new(booth, attendee, "t", 3, Noon, retried);
        var leads = new[] { Lead("north-B1", "P1", retried: false), Lead("north-B2", "P1", retried: true) };
        var answered = new Dictionary<(string Booth, string Attendee), string> { [("north-B1", "P1")] = "captured", [("north-B2", "P1")] = "updated" };
        // P2 was admitted at both edges during the partition: each edge awards its own points once.
        (string, string, string)[] quiz = [("north", "P2", "awarded"), ("south", "P2", "awarded"), ("north", "P2", "already_awarded")];

        Assert.Empty(CrowdVerdict.DeskAnswersNotAsPlanned(leads, answered, quiz));

        answered[("north-B2", "P1")] = "captured"; // a retry counted as a new lead
        Assert.Single(CrowdVerdict.DeskAnswersNotAsPlanned(leads, answered, quiz));
        var twice = CrowdVerdict.DeskAnswersNotAsPlanned(leads, answered, [("north", "P2", "awarded"), ("north", "P2", "awarded")]);
        Assert.Equal(["lead of P1 at north-B2: captured, expected updated", "quiz completion of P2 at north: awarded, expected already_awarded"], twice);
        Assert.Contains("not sent", Assert.Single(CrowdVerdict.DeskAnswersNotAsPlanned([Lead("south-B1", "P3", false)], answered, [])));
    }
}
