namespace Venue.Runtime.Tests;

public interface IZoneGrain : IGrainWithStringKey
{
    Task Touch();
}

public sealed class ZoneGrain(GrainProbe probe) : Grain, IZoneGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Deactivated(reason);
        return Task.CompletedTask;
    }

    public Task Touch() => Task.CompletedTask;
}

public sealed class IdleCollectionTests
{
    private static readonly GrainId Hall = new("zone", "hall-b");
    private readonly GrainProbe _probe = new();
    private readonly ManualTimeProvider _time = new();

    private GrainRuntime Build(TimeSpan collectionAge, TimeSpan collectionQuantum)
    {
        var builder = new GrainRuntimeBuilder()
            .UseTimeProvider(_time)
            .AddGrain<IZoneGrain, ZoneGrain>(() => new ZoneGrain(_probe));
        builder.Options.CollectionAge = collectionAge;
        builder.Options.CollectionQuantum = collectionQuantum;
        return builder.Build();
    }

    [Fact]
    public async Task A_grain_used_within_the_collection_age_is_not_collected()
    {
        await using var runtime = Build(collectionAge: TimeSpan.FromMinutes(10), collectionQuantum: TimeSpan.FromDays(1));
        var zone = runtime.GetGrain<IZoneGrain>(Hall.Key);

        await zone.Touch();
        _time.Advance(TimeSpan.FromMinutes(6));
        await zone.Touch();
        _time.Advance(TimeSpan.FromMinutes(6)); // twelve minutes since activation, six since last use

        Assert.Equal(0, await runtime.CollectIdleActivationsAsync());
        Assert.True(runtime.IsActive(Hall));
        Assert.Equal(0, _probe.Deactivations.Value);
    }

    [Fact]
    public async Task A_grain_idle_past_the_collection_age_is_collected_and_the_next_call_activates_it_afresh()
    {
        await using var runtime = Build(collectionAge: TimeSpan.FromMinutes(10), collectionQuantum: TimeSpan.FromDays(1));
        var zone = runtime.GetGrain<IZoneGrain>(Hall.Key);
        await zone.Touch();

        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        Assert.Equal(1, await runtime.CollectIdleActivationsAsync());
        Assert.Equal(new[] { DeactivationReason.IdleCollection }, _probe.DeactivationReasons);
        Assert.False(runtime.IsActive(Hall));
        Assert.Equal(0, runtime.ActivationCount);

        await zone.Touch();
        Assert.Equal(2, _probe.Activations.Value);
        Assert.True(runtime.IsActive(Hall));
    }

    [Fact]
    public async Task The_collector_timer_collects_a_grain_once_it_has_been_idle_for_the_collection_age()
    {
        await using var runtime = Build(collectionAge: TimeSpan.FromMinutes(5), collectionQuantum: TimeSpan.FromMinutes(1));
        var zone = runtime.GetGrain<IZoneGrain>(Hall.Key);

        await zone.Touch();
        _time.Advance(TimeSpan.FromMinutes(4));
        await zone.Touch();
        _time.Advance(TimeSpan.FromMinutes(4)); // the collector has looked 8 times; last use was 4 minutes ago

        Assert.True(runtime.IsActive(Hall));
        Assert.Equal(0, _probe.Deactivations.Value);

        _time.Advance(TimeSpan.FromMinutes(2)); // the collector's look at minute 9 finds it idle for 5

        await _probe.Deactivations.Reaches(1).WithTimeout("the collector timer to deactivate the idle grain");
        Assert.Equal(new[] { DeactivationReason.IdleCollection }, _probe.DeactivationReasons);

        await zone.Touch();
        Assert.Equal(2, _probe.Activations.Value);
    }

    [Fact]
    public async Task A_wall_clock_stepped_an_hour_forward_collects_nothing()
    {
        await using var runtime = Build(collectionAge: TimeSpan.FromMinutes(10), collectionQuantum: TimeSpan.FromDays(1));
        var zone = runtime.GetGrain<IZoneGrain>(Hall.Key);
        await zone.Touch();

        _time.StepWallClockTo(_time.GetUtcNow().AddHours(1)); // an NTP correction: no time has passed

        Assert.Equal(0, await runtime.CollectIdleActivationsAsync());
        Assert.True(runtime.IsActive(Hall));
    }

    [Fact]
    public async Task A_wall_clock_stepped_an_hour_back_does_not_hold_collection_off()
    {
        await using var runtime = Build(collectionAge: TimeSpan.FromMinutes(10), collectionQuantum: TimeSpan.FromDays(1));
        var zone = runtime.GetGrain<IZoneGrain>(Hall.Key);
        await zone.Touch();

        _time.StepWallClockTo(_time.GetUtcNow().AddHours(-1));
        _time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));

        Assert.Equal(1, await runtime.CollectIdleActivationsAsync());
        Assert.False(runtime.IsActive(Hall));
    }
}
