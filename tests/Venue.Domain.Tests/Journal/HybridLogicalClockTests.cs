using Venue.Domain.Journal;

namespace Venue.Domain.Tests.Journal;

public sealed class HybridLogicalClockTests
{
    private readonly ManualTimeProvider _time = new(TestEvent.Now);

    [Fact]
    public void Values_strictly_increase_while_the_wall_clock_stands_still()
    {
        var clock = new HybridLogicalClock(_time);

        var values = Enumerable.Range(0, 1000).Select(_ => clock.Now()).ToList();

        Assert.Equal(values.Order(), values);
        Assert.Equal(values.Count, values.Distinct().Count());
        Assert.Equal(TestEvent.Now, HybridLogicalClock.ToTime(values[^1]));
    }

    [Fact]
    public void Values_keep_increasing_when_the_wall_clock_steps_back()
    {
        var clock = new HybridLogicalClock(_time);
        var before = clock.Now();

        _time.StepWallClockTo(TestEvent.Now.AddMinutes(-5));
        var after = clock.Now();
        var later = clock.Now();

        Assert.True(after > before, $"{after} after a step back is not above {before}.");
        Assert.True(later > after);
        Assert.Equal(later, clock.Last);
    }

    [Fact]
    public void Values_follow_the_wall_clock_once_it_moves_ahead_again()
    {
        var clock = new HybridLogicalClock(_time);
        clock.Now();
        _time.StepWallClockTo(TestEvent.Now.AddMinutes(-5));
        clock.Now();

        _time.StepWallClockTo(TestEvent.Now.AddSeconds(1));
        var value = clock.Now();

        Assert.Equal(TestEvent.Now.AddSeconds(1), HybridLogicalClock.ToTime(value));
        Assert.Equal(0, value & 0xFFFF);
    }

    [Fact]
    public void Observing_a_remote_value_ahead_moves_the_clock_past_it()
    {
        var clock = new HybridLogicalClock(_time);
        var remote = (TestEvent.Now.AddMinutes(10).ToUnixTimeMilliseconds() << 16) + 5;

        clock.Observe(remote);
        var next = clock.Now();

        Assert.True(next > remote, $"{next} is not past the observed {remote}.");
        Assert.Equal(remote + 1, next);
    }

    [Fact]
    public void Observing_a_value_behind_changes_nothing()
    {
        var clock = new HybridLogicalClock(_time);
        var current = clock.Now();

        clock.Observe(current - 1000);

        Assert.Equal(current, clock.Last);
        Assert.Equal(current + 1, clock.Now());
    }
}
