using System.Collections.Concurrent;
using System.Globalization;
using Venue.Runtime.Timers;

namespace Venue.Runtime.Tests;

public interface IPortalGrain : IGrainWithStringKey
{
    Task StartTicking(TimeSpan dueTime, TimeSpan period);

    Task StopTicking();

    Task ChangeTicking(TimeSpan dueTime, TimeSpan period);

    Task<int> GetTicks();

    Task Hold(string name);
}

public sealed class PortalGrain(GrainProbe probe, PortalGrain.TickSettings ticks) : Grain, IPortalGrain
{
    /// <summary>What the test sees of the ticks and how it slows them down.</summary>
    public sealed class TickSettings
    {
        public Counter Count { get; } = new();

        public ConcurrentQueue<DateTimeOffset> Times { get; } = new();

        /// <summary>When set, each tick waits for it: a tick longer than the period.</summary>
        public TaskCompletionSource? Gate { get; set; }

        /// <summary>When set, each tick changes its own timer to this due time (a back-off).</summary>
        public TimeSpan? BackOff { get; set; }

        /// <summary>When set, each tick throws it once it has counted itself.</summary>
        public Exception? Failure { get; set; }
    }

    private IGrainTimer? _timer;

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Deactivated(reason);
        return Task.CompletedTask;
    }

    public Task StartTicking(TimeSpan dueTime, TimeSpan period)
    {
        _timer = RegisterGrainTimer(TickAsync, dueTime, period);
        return Task.CompletedTask;
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        var name = $"tick{ticks.Count.Value + 1}";
        ticks.Times.Enqueue(Time.GetUtcNow()); // before Enter: the test moves the clock once it sees the tick enter
        probe.Enter(name);
        await Task.Yield();
        if (ticks.Gate is { } gate)
        {
            await gate.Task.WithTimeout("the test to let a slow tick finish");
        }

        if (ticks.BackOff is { } backOff)
        {
            _timer!.Change(backOff, TimeSpan.FromMinutes(1));
        }

        probe.Exit(name);
        ticks.Count.Increment();
        if (ticks.Failure is { } failure)
        {
            throw failure;
        }
    }

    public Task StopTicking()
    {
        _timer?.Dispose();
        return Task.CompletedTask;
    }

    public Task ChangeTicking(TimeSpan dueTime, TimeSpan period)
    {
        _timer!.Change(dueTime, period);
        return Task.CompletedTask;
    }

    public Task<int> GetTicks() => Task.FromResult(ticks.Count.Value);

    public Task Hold(string name) => probe.HoldAsync(name);
}

public sealed class GrainTimerTests
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private readonly GrainProbe _probe = new();
    private readonly PortalGrain.TickSettings _ticks = new();
    private readonly ManualTimeProvider _time = new();

    private GrainRuntime Build(TimeSpan? collectionAge = null, Action<GrainId, Exception>? tickFailed = null)
    {
        var builder = new GrainRuntimeBuilder()
            .UseTimeProvider(_time)
            .AddGrain<IPortalGrain, PortalGrain>(() => new PortalGrain(_probe, _ticks));
        builder.Options.CollectionAge = collectionAge ?? TimeSpan.FromHours(1);
        builder.Options.CollectionQuantum = TimeSpan.FromDays(1); // tests collect explicitly
        builder.Options.TimerTickFailed = tickFailed;
        return builder.Build();
    }

    [Fact]
    public async Task A_failing_tick_is_told_to_the_runtime_and_the_timer_keeps_its_schedule()
    {
        var failures = new ConcurrentQueue<(GrainId Grain, Exception Failure)>();
        _ticks.Failure = new InvalidOperationException("zone down");
        // A listener that itself throws must not stop the timer either.
        await using var runtime = Build(tickFailed: (grain, e) =>
        {
            failures.Enqueue((grain, e));
            throw new InvalidOperationException("the listener broke too");
        });
        var portal = runtime.GetGrain<IPortalGrain>("p-1");
        await portal.StartTicking(Minute, Minute);

        _time.Advance(Minute);
        await _ticks.Count.Reaches(1).WithTimeout("the first tick");
        await portal.GetTicks(); // queued behind the tick's turn, which tells of its failure before it ends

        var (grain, failure) = Assert.Single(failures);
        Assert.Equal("p-1", grain.Key);
        Assert.Same(_ticks.Failure, failure);

        _time.Advance(Minute);
        await _ticks.Count.Reaches(2).WithTimeout("the tick after a failed one");
        Assert.Equal(2, await portal.GetTicks());
        Assert.Equal(2, failures.Count);
    }

    [Fact]
    public async Task A_tick_runs_as_a_turn_after_the_running_call_and_before_calls_that_came_after_it()
    {
        await using var runtime = Build();
        var portal = runtime.GetGrain<IPortalGrain>("p-1");
        await portal.StartTicking(Minute, Minute);

        var held = portal.Hold("call");
        await _probe.Entered("call").WithTimeout("the call to enter");
        _time.Advance(Minute); // the tick falls due while the call runs
        var later = portal.Hold("later");
        _probe.Gate("later").SetResult();
        _probe.Gate("call").SetResult();

        await Task.WhenAll(held, later).WithTimeout("both calls to finish");
        Assert.Equal(new[] { "enter call", "exit call", "enter tick1", "exit tick1", "enter later", "exit later" }, _probe.Log);
        Assert.Equal(1, _probe.MaxInside);
    }

    [Fact]
    public async Task A_tick_longer_than_the_period_is_not_overlapped_and_the_next_period_counts_from_its_end()
    {
        await using var runtime = Build();
        var portal = runtime.GetGrain<IPortalGrain>("p-1");
        var start = _time.GetUtcNow();
        _ticks.Gate = Signal.New();
        await portal.StartTicking(Minute, Minute);

        _time.Advance(Minute);
        await _probe.Entered("tick1").WithTimeout("the first tick to start");
        _time.Advance(10 * Minute); // ten periods pass while the first tick runs
        var ticksSeenByNextCall = portal.GetTicks(); // queued behind the first tick and any tick due meanwhile
        var rearmed = _time.NextTimerArmed();
        _ticks.Gate.SetResult();

        Assert.Equal(1, await ticksSeenByNextCall.WithTimeout("the call queued behind the slow tick"));
        await rearmed.WithTimeout("the grain timer to re-arm after its tick");
        _time.Advance(Minute);
        await _ticks.Count.Reaches(2).WithTimeout("the second tick");

        Assert.Equal(new[] { start + Minute, start + 12 * Minute }, _ticks.Times);
        Assert.Equal(1, _probe.MaxInside);
    }

    [Fact]
    public async Task A_change_made_during_a_tick_decides_when_the_next_tick_comes()
    {
        await using var runtime = Build();
        var portal = runtime.GetGrain<IPortalGrain>("p-1");
        var start = _time.GetUtcNow();
        _ticks.BackOff = 5 * Minute;
        await portal.StartTicking(Minute, Minute);

        _time.Advance(Minute);
        await _ticks.Count.Reaches(1).WithTimeout("the first tick");
        await portal.GetTicks().WithTimeout("a call queued after the tick"); // the tick's turn, re-arm included, is over

        Assert.Equal(start + 6 * Minute, _time.EarliestDue);
    }

    [Fact]
    public async Task A_disposed_timer_ticks_no_more()
    {
        await using var runtime = Build();
        var portal = runtime.GetGrain<IPortalGrain>("p-1");
        await portal.StartTicking(Minute, Minute);
        _time.Advance(Minute);
        await _ticks.Count.Reaches(1).WithTimeout("the first tick");

        await portal.StopTicking();
        _time.Advance(10 * Minute);

        Assert.Equal(1, await portal.GetTicks()); // a tick due meanwhile would have been queued ahead of this call
    }

    [Fact]
    public async Task Timer_ticks_do_not_keep_an_activation_from_being_collected()
    {
        await using var runtime = Build(collectionAge: 5 * Minute);
        var portal = runtime.GetGrain<IPortalGrain>("p-1");
        await portal.StartTicking(Minute, Minute);

        for (var minute = 1; minute <= 6; minute++)
        {
            var rearmed = _time.NextTimerArmed();
            _time.Advance(Minute);
            await rearmed.WithTimeout($"the tick of minute {minute} to end and re-arm the timer");
        }

        Assert.Equal(6, _ticks.Count.Value);
        Assert.Equal(1, await runtime.CollectIdleActivationsAsync());
        Assert.Equal(new[] { DeactivationReason.IdleCollection }, _probe.DeactivationReasons);
        Assert.Equal(1, _time.ArmedTimerCount); // the collector's; the grain's timer went with its activation
    }

    [Theory]
    [InlineData("00:01:00", "-00:00:05")]
    [InlineData("-00:00:05", "00:01:00")]
    [InlineData("00:01:00", "-00:00:00.0001")]
    [InlineData("50.00:00:00", "00:01:00")]
    [InlineData("00:01:00", "50.00:00:00")]
    public async Task A_timer_with_a_negative_or_too_long_time_is_refused_at_registration_and_the_grain_keeps_answering(string dueTime, string period)
    {
        await using var runtime = Build();
        var portal = runtime.GetGrain<IPortalGrain>("p-1");

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            portal.StartTicking(TimeSpan.Parse(dueTime, CultureInfo.InvariantCulture), TimeSpan.Parse(period, CultureInfo.InvariantCulture)));
        _time.Advance(10 * Minute);

        Assert.Equal(0, await portal.GetTicks().WithTimeout("a call after the refused registration"));
        Assert.Equal(1, _time.ArmedTimerCount); // the collector's only
    }

    [Fact]
    public async Task A_timer_that_may_never_tick_again_is_accepted()
    {
        await using var runtime = Build();
        var portal = runtime.GetGrain<IPortalGrain>("p-1");

        await portal.StartTicking(Minute, Timeout.InfiniteTimeSpan);
        _time.Advance(10 * Minute);

        Assert.Equal(1, await portal.GetTicks().WithTimeout("a call after the only tick"));
    }

    [Fact]
    public async Task A_change_to_a_negative_period_is_refused_and_the_timer_keeps_its_schedule()
    {
        await using var runtime = Build();
        var portal = runtime.GetGrain<IPortalGrain>("p-1");
        var start = _time.GetUtcNow();
        await portal.StartTicking(Minute, Minute);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => portal.ChangeTicking(Minute, TimeSpan.FromSeconds(-5)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => portal.ChangeTicking(TimeSpan.FromSeconds(-5), Minute));
        for (var minute = 1; minute <= 2; minute++)
        {
            var rearmed = _time.NextTimerArmed();
            _time.Advance(Minute);
            await rearmed.WithTimeout($"the tick of minute {minute} to end and re-arm the timer");
        }

        Assert.Equal(new[] { start + Minute, start + (2 * Minute) }, _ticks.Times);
    }
}
