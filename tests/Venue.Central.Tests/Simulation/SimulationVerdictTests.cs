using Venue.Cli.Commands;
using Venue.Domain.CheckIn;
using Venue.Simulation;

namespace Venue.Central.Tests.Simulation;

/// <summary>The rush's verdict, judged on made-up facts: a consistent run passes, and each kind of wrong fact fails its check and the verdict.</summary>
public sealed class SimulationVerdictTests
{
    private const string NobodyTwice = "Nobody admitted twice";
    private const string AdmissionsJournaled = "Every admission journaled";
    private const string JournaledOnce = "Every scan journaled exactly once";
    private const string Pairs = "Simultaneous scans of one badge";
    private const string Retries = "Retried scans answered as the first time";
    private const string Expected = "Refusals and passages as expected";
    private const string Broken = "Broken requests rejected with 400";
    private const string CentralHolds = "Central holds every journal entry exactly once";
    private const string Conflicts = "Conflicts are exactly the badges admitted at two edges";
    private const string OtherEdge = "A badge admitted at one edge is refused at the other";
    private const string Occupancy = "Occupancy at central equals";

    private static VerdictCheck Check(SimulationReport report, string name) => report.Checks.Single(c => c.Name.StartsWith(name, StringComparison.Ordinal));

    private static void AssertFails(SimulationReport report, string name)
    {
        var check = Check(report, name);
        Assert.True(check.Exercised && !check.Passed, $"{check.Name} should fail: {check.Detail}");
        Assert.False(report.Passed);
        Assert.Equal(1, SimulateCommand.ExitCode(report));
    }

    [Fact]
    public void A_consistent_run_passes_every_check_and_exercises_each()
    {
        var report = SimulationVerdict.Judge(VerdictFacts.Passing().Build());

        Assert.All(report.Checks, c => Assert.True(c.Passed && c.Exercised, $"{c.Name}: {c.Detail}"));
        Assert.Equal(12, report.Checks.Count);
        Assert.True(report.Passed);
        Assert.Equal(0, SimulateCommand.ExitCode(report));
    }

    [Fact]
    public void A_partition_double_answered_after_the_heal_may_be_refused_already_inside_but_one_answered_during_the_partition_may_not()
    {
        // North is cut off from 7 s to 14 s. A machine that fell behind sends a double's second scan at
        // 14 s: south has heard of north's admission by then and rightly refuses it; no conflict.
        var late = VerdictFacts.Passing();
        late.Scan(ScanKind.Arrival, "G03", "A8", ScanReason.Admitted, 13, ScanReason.Admitted);
        late.Scan(ScanKind.PartitionDouble, "G06", "A8", ScanReason.AlreadyInside, 14, ScanReason.Admitted);

        var report = SimulationVerdict.Judge(late.Build());

        Assert.All(report.Checks, c => Assert.True(c.Passed, $"{c.Name}: {c.Detail}"));
        Assert.Contains("1 partition doubles answered after the heal", Check(report, Expected).Detail, StringComparison.Ordinal);

        // The same refusal while the edges could not know of each other is wrong.
        var early = VerdictFacts.Passing();
        early.Scan(ScanKind.Arrival, "G03", "A8", ScanReason.Admitted, 10, ScanReason.Admitted);
        early.Scan(ScanKind.PartitionDouble, "G06", "A8", ScanReason.AlreadyInside, 10.5, ScanReason.Admitted);

        AssertFails(SimulationVerdict.Judge(early.Build()), Expected);
    }

    [Fact]
    public void An_admission_missing_from_the_journal_fails_every_admission_journaled()
    {
        var facts = VerdictFacts.Passing();
        facts.Journals["south"].RemoveAll(e => e.AttendeeId == "A2");

        AssertFails(SimulationVerdict.Judge(facts.Build()), AdmissionsJournaled);
    }

    [Fact]
    public void A_scan_journaled_twice_fails_every_scan_journaled_exactly_once()
    {
        var facts = VerdictFacts.Passing();
        var south = facts.Journals["south"];
        south.Add(south.First(e => e.AttendeeId == "A2") with { Sequence = south.Count + 1, Hlc = 1_000 });

        var report = SimulationVerdict.Judge(facts.Build());

        AssertFails(report, JournaledOnce);
        AssertFails(report, NobodyTwice);
    }

    [Fact]
    public void Central_lacking_an_entry_fails_central_holds_every_entry()
    {
        var facts = VerdictFacts.Passing();
        var built = facts.Build();
        var lost = built.CentralCheckIns.First(c => c.EdgeId == "north");

        AssertFails(SimulationVerdict.Judge(built with { CentralCheckIns = [.. built.CentralCheckIns.Where(c => c != lost)] }), CentralHolds);
    }

    [Fact]
    public void A_conflict_not_raised_for_a_partition_double_fails_the_conflicts_check()
    {
        var facts = VerdictFacts.Passing();
        facts.Conflicts.Clear();

        AssertFails(SimulationVerdict.Judge(facts.Build()), Conflicts);
    }

    [Fact]
    public void A_conflict_raised_twice_or_for_nobody_planned_fails_the_conflicts_check()
    {
        var twice = VerdictFacts.Passing();
        twice.Conflict("A6");
        var stranger = VerdictFacts.Passing();
        stranger.Conflicts.Add(stranger.Conflicts[0] with { AttendeeId = "A1", Id = 99 });

        AssertFails(SimulationVerdict.Judge(twice.Build()), Conflicts);
        AssertFails(SimulationVerdict.Judge(stranger.Build()), Conflicts);
    }

    [Fact]
    public void Both_halves_of_a_simultaneous_pair_admitted_fails_the_pair_check()
    {
        var facts = VerdictFacts.Passing();
        facts.Scan(ScanKind.Simultaneous, "G02", "A8", ScanReason.Admitted, 7);
        facts.Scan(ScanKind.Simultaneous, "G04", "A8", ScanReason.Admitted, 7);

        var report = SimulationVerdict.Judge(facts.Build());

        AssertFails(report, Pairs);
        AssertFails(report, NobodyTwice);
    }

    [Fact]
    public void A_retry_answered_differently_fails_the_retry_check()
    {
        var facts = VerdictFacts.Passing();
        var first = facts.Scan(ScanKind.Arrival, "G06", "A9", ScanReason.Admitted, 8);
        facts.Retry(first, ScanReason.AlreadyInside);

        AssertFails(SimulationVerdict.Judge(facts.Build()), Retries);
    }

    [Fact]
    public void A_certain_outcome_answered_otherwise_fails_the_expected_outcomes_check()
    {
        var facts = VerdictFacts.Passing();
        facts.Scan(ScanKind.NextDay, "G05", "A10", ScanReason.Revoked, 8, expected: ScanReason.NotValidNow);

        AssertFails(SimulationVerdict.Judge(facts.Build()), Expected);
    }

    [Fact]
    public void A_broken_request_not_answered_400_fails_the_broken_requests_check()
    {
        var facts = VerdictFacts.Passing();
        facts.BadRequest("G03", status: 500);

        AssertFails(SimulationVerdict.Judge(facts.Build()), Broken);
    }

    [Fact]
    public void A_badge_admitted_again_at_the_other_edge_while_links_are_up_fails_the_other_edge_check()
    {
        var facts = VerdictFacts.Passing();
        facts.Scan(ScanKind.OtherEdge, "G03", "A2", ScanReason.Admitted, 4.5);

        var report = SimulationVerdict.Judge(facts.Build());

        AssertFails(report, OtherEdge);
        AssertFails(report, NobodyTwice);
    }

    [Fact]
    public void Central_counting_one_more_inside_than_the_journals_fails_the_occupancy_check()
    {
        var built = VerdictFacts.Passing().Build();

        var report = SimulationVerdict.Judge(built with { CentralStats = built.CentralStats with { Inside = built.CentralStats.Inside + 1 } });

        AssertFails(report, Occupancy);
    }

    [Fact]
    public void An_exit_refused_as_not_inside_at_the_other_edge_counts_the_attendee_out_as_central_does()
    {
        var facts = VerdictFacts.Passing();
        // Admitted at north, then out through south, which had not heard of it.
        facts.Scan(ScanKind.Arrival, "G01", "A8", ScanReason.Admitted, 10);
        facts.Scan(ScanKind.Exit, "G06", "A8", ScanReason.NotInside, 11, ScanReason.NotInside, ScanDirection.Exit);
        var built = facts.Build();

        var report = SimulationVerdict.Judge(built);

        // Central (as the facts count) has A8 out; so must the verdict's own fold of the journals.
        var check = Check(report, Occupancy);
        Assert.True(check.Passed, check.Detail);
    }

    [Fact]
    public void On_one_edge_with_nothing_but_arrivals_the_checks_with_nothing_to_judge_are_not_exercised_and_do_not_fail_the_verdict()
    {
        var facts = new VerdictFacts(edges: 1);
        facts.Scan(ScanKind.Arrival, "G01", "A1", ScanReason.Admitted, 1);
        facts.Scan(ScanKind.Arrival, "G02", "A2", ScanReason.Admitted, 2);
        facts.BadRequest("G03");

        var report = SimulationVerdict.Judge(facts.Build());

        var idle = report.Checks.Where(c => !c.Exercised).Select(c => c.Name).ToList();
        Assert.Equal(4, idle.Count);
        Assert.Contains(idle, n => n.StartsWith(Pairs, StringComparison.Ordinal));
        Assert.Contains(idle, n => n.StartsWith(Retries, StringComparison.Ordinal));
        Assert.Contains(idle, n => n.StartsWith(OtherEdge, StringComparison.Ordinal));
        // One edge cannot admit a badge twice across edges: the conflicts check has nothing to judge.
        Assert.Contains(idle, n => n.StartsWith(Conflicts, StringComparison.Ordinal));
        // Not exercised is not passed: the report does not count it as a pass.
        Assert.All(report.Checks.Where(c => !c.Exercised), c => Assert.False(c.Passed, c.Name));
        Assert.All(report.Checks.Where(c => c.Exercised), c => Assert.True(c.Passed, $"{c.Name}: {c.Detail}"));
        Assert.True(report.Passed);
        Assert.Equal(0, SimulateCommand.ExitCode(report));
    }

    [Fact]
    public void A_partition_without_a_single_double_leaves_the_conflicts_check_not_exercised()
    {
        var facts = new VerdictFacts(edges: 2);
        facts.Scan(ScanKind.Arrival, "G01", "A1", ScanReason.Admitted, 1);
        facts.Scan(ScanKind.Arrival, "G02", "A2", ScanReason.Admitted, 2);
        facts.BadRequest("G03");

        var report = SimulationVerdict.Judge(facts.Build());

        var conflicts = Check(report, Conflicts);
        Assert.False(conflicts.Exercised, conflicts.Detail);
        Assert.Contains("no double planned", conflicts.Detail, StringComparison.Ordinal);
        Assert.True(report.Passed);
    }

    [Fact]
    public void A_conflict_raised_with_no_double_planned_fails_rather_than_going_unexercised()
    {
        var facts = new VerdictFacts(edges: 2);
        facts.Scan(ScanKind.Arrival, "G01", "A1", ScanReason.Admitted, 1);
        facts.Scan(ScanKind.Arrival, "G02", "A2", ScanReason.Admitted, 2);
        var built = facts.Build();
        var south = built.Journals["south"][0];
        var north = built.Journals["north"][0];
        var conflict = new Venue.Domain.Central.Conflict("A1", new("north", north.Sequence, north.GateId, north.At, north.Hlc),
            new("south", south.Sequence, south.GateId, south.At, south.Hlc), north.At) { Id = 1 };

        AssertFails(SimulationVerdict.Judge(built with { Conflicts = [conflict] }), Conflicts);
    }
}
