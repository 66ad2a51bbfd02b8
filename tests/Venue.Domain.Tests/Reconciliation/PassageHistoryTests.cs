using Venue.Domain.CheckIn;
using Venue.Domain.Reconciliation;

namespace Venue.Domain.Tests.Reconciliation;

public sealed class PassageHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 8, 0, 0, TimeSpan.Zero);

    private static Passage P(string edge, long seq, long hlc, ScanReason reason, string gate = "G01") =>
        new(edge, seq, hlc, gate, reason, T0.AddSeconds(hlc));

    private static HistoryVerdict Fold(IEnumerable<Passage> passages)
    {
        var history = new PassageHistory();
        foreach (var p in passages)
        {
            history.Add(p);
        }

        return history.Fold("a1", T0);
    }

    [Fact]
    public void Admission_at_two_edges_without_an_exit_between_is_one_conflict_and_one_person_inside()
    {
        var verdict = Fold([P("north", 1, 100, ScanReason.Admitted), P("south", 7, 105, ScanReason.Admitted, "G09")]);

        Assert.True(verdict.Inside);
        var conflict = Assert.Single(verdict.Conflicts);
        Assert.Equal(("north", 1L, "G01"), (conflict.First.EdgeId, conflict.First.Sequence, conflict.First.GateId));
        Assert.Equal(("south", 7L, "G09"), (conflict.Second.EdgeId, conflict.Second.Sequence, conflict.Second.GateId));
        Assert.Equal("a1/south/7", conflict.Key);
    }

    [Fact]
    public void An_exit_between_two_admissions_at_different_edges_is_a_re_entry_not_a_conflict()
    {
        var verdict = Fold([P("north", 1, 100, ScanReason.Admitted), P("north", 2, 101, ScanReason.Exited), P("south", 1, 102, ScanReason.Admitted)]);

        Assert.True(verdict.Inside);
        Assert.Empty(verdict.Conflicts);
    }

    [Fact]
    public void A_single_entry_badge_admitted_again_at_another_edge_after_an_exit_is_a_conflict()
    {
        // A day pass: in and out at north, then in at south, which had not heard of north's admission.
        var verdict = Fold([
            P("north", 1, 100, ScanReason.Admitted) with { SingleEntry = true },
            P("north", 2, 101, ScanReason.Exited) with { SingleEntry = true },
            P("south", 1, 102, ScanReason.Admitted, "G09") with { SingleEntry = true }]);

        Assert.True(verdict.Inside);
        var conflict = Assert.Single(verdict.Conflicts);
        Assert.Equal(("north", 1L, "south", 1L), (conflict.First.EdgeId, conflict.First.Sequence, conflict.Second.EdgeId, conflict.Second.Sequence));
    }

    [Fact]
    public void A_late_exit_that_sorts_between_two_admissions_withdraws_the_conflict()
    {
        var history = new PassageHistory();
        history.Add(P("north", 1, 100, ScanReason.Admitted));
        history.Add(P("south", 1, 102, ScanReason.Admitted));
        Assert.Single(history.Fold("a1", T0).Conflicts);

        history.Add(P("north", 2, 101, ScanReason.Exited));

        Assert.Empty(history.Fold("a1", T0).Conflicts);
    }

    [Fact]
    public void The_same_entry_added_twice_is_kept_once()
    {
        var history = new PassageHistory();
        Assert.True(history.Add(P("north", 1, 100, ScanReason.Admitted)));
        Assert.False(history.Add(P("north", 1, 100, ScanReason.Admitted)));
        Assert.Single(history.Passages);
    }

    [Fact]
    public void A_refusal_is_not_a_passage()
    {
        Assert.Throws<ArgumentException>(() => new PassageHistory().Add(P("north", 1, 100, ScanReason.AlreadyInside)));
    }

    [Fact]
    public void Every_arrival_order_of_the_same_passages_gives_the_same_verdict()
    {
        var random = new Random(7);
        var edges = new[] { "north", "south", "east" };
        var passages = new List<Passage>();
        var seq = new Dictionary<string, long>();
        for (var hlc = 1; hlc <= 12; hlc++)
        {
            var edge = edges[random.Next(edges.Length)];
            seq[edge] = seq.GetValueOrDefault(edge) + 1;
            passages.Add(P(edge, seq[edge], hlc * 10, random.Next(3) == 0 ? ScanReason.Exited : ScanReason.Admitted));
        }

        var expected = Fold(passages);
        Assert.NotEmpty(expected.Conflicts);
        for (var round = 0; round < 200; round++)
        {
            var shuffled = passages.OrderBy(_ => random.Next()).ToList();
            var verdict = Fold(shuffled);
            Assert.Equal(expected.Inside, verdict.Inside);
            Assert.Equal(expected.Conflicts.Select(c => c.Key), verdict.Conflicts.Select(c => c.Key));
        }
    }

    [Fact]
    public void A_third_admission_while_inside_is_a_second_conflict_against_the_first_admission()
    {
        var verdict = Fold([P("north", 1, 100, ScanReason.Admitted), P("south", 1, 101, ScanReason.Admitted), P("east", 1, 102, ScanReason.Admitted)]);

        Assert.Equal(["a1/south/1", "a1/east/1"], verdict.Conflicts.Select(c => c.Key));
        Assert.All(verdict.Conflicts, c => Assert.Equal("north", c.First.EdgeId));
    }
}
