using Venue.Domain.Attendees;
using Venue.Domain.CheckIn;

namespace Venue.Domain.Tests.Attendees;

public sealed class RecentAnswerTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 7, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Each_of_the_last_eight_answers_is_found_again_and_the_ninth_oldest_is_forgotten()
    {
        var state = new AttendeeState();
        var answers = Enumerable.Range(1, AttendeeState.RecentMemory + 1)
            .Select(i => (Direction: i % 2 == 1 ? ScanDirection.Entry : ScanDirection.Exit, Result: Answer($"n-{i}", "north", sequence: i)))
            .ToList();
        foreach (var (direction, result) in answers)
        {
            state.Remember(direction, result);
        }

        Assert.False(state.TryGetRecent("north", "n-1", ScanDirection.Entry, out _));
        foreach (var (direction, result) in answers.Skip(1))
        {
            Assert.True(state.TryGetRecent("north", result.Nonce, direction, out var found), $"answer to {result.Nonce} forgotten");
            Assert.Same(result, found);
        }
    }

    [Fact]
    public void A_remembered_answer_is_found_only_for_its_own_gate_nonce_and_direction()
    {
        var state = new AttendeeState();
        var first = Answer("n-1", "north", sequence: 1);
        var second = Answer("n-2", "south", sequence: 2);
        state.Remember(ScanDirection.Entry, first);
        state.Remember(ScanDirection.Exit, second);

        Assert.True(state.TryGetRecent("north", "n-1", ScanDirection.Entry, out var found));
        Assert.Same(first, found);
        Assert.True(state.TryGetRecent("south", "n-2", ScanDirection.Exit, out found));
        Assert.Same(second, found);
        Assert.False(state.TryGetRecent("south", "n-1", ScanDirection.Entry, out _));
        Assert.False(state.TryGetRecent("north", "n-1", ScanDirection.Exit, out _));
        Assert.False(state.TryGetRecent("north", "n-3", ScanDirection.Entry, out _));
        Assert.False(new AttendeeState().TryGetRecent("north", "n-1", ScanDirection.Entry, out _));
    }

    private static ScanResult Answer(string nonce, string gate, long sequence) =>
        new(true, ScanReason.Admitted, null, gate, At.AddSeconds(sequence), nonce, sequence);
}
