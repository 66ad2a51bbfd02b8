using Venue.Runtime.Storage;

namespace Venue.Runtime.Tests;

public sealed record BadgeState
{
    public string Holder { get; init; } = "";
}

public interface IBadgeGrain : IGrainWithStringKey
{
    /// <summary>What OnActivateAsync saw of the state.</summary>
    Task<string> GetHolderSeenOnActivation();
}

public sealed class BadgeGrain(GrainProbe probe) : Grain<BadgeState>, IBadgeGrain
{
    private string? _holderSeenOnActivation;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activated();
        _holderSeenOnActivation = RecordExists ? State.Holder : "(no record)";
        return Task.CompletedTask;
    }

    public Task<string> GetHolderSeenOnActivation() => Task.FromResult(_holderSeenOnActivation!);
}

public interface IFlakyGrain : IGrainWithStringKey
{
    Task<string> Ping();

    Task Hold(string name);

    Task Leave();
}

/// <summary>Fails its first activations, before or after awaiting, as the probe's settings say.</summary>
public sealed class FlakyGrain(GrainProbe probe, FlakyGrain.Settings settings) : Grain, IFlakyGrain
{
    public sealed class Settings
    {
        public int FailuresLeft { get; set; }

        public bool FailAfterAwaiting { get; init; }
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activated();
        if (settings.FailAfterAwaiting)
        {
            return FailLaterAsync();
        }

        if (settings.FailuresLeft-- > 0)
        {
            throw new InvalidOperationException("gate list not loaded");
        }

        return Task.CompletedTask;
    }

    private async Task FailLaterAsync()
    {
        await probe.HoldAsync("activation");
        if (settings.FailuresLeft-- > 0)
        {
            throw new InvalidOperationException("gate list not loaded");
        }
    }

    public Task<string> Ping() => Task.FromResult("pong");

    public Task Hold(string name) => probe.HoldAsync(name);

    public Task Leave()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }
}

/// <summary>Storage whose reads fail, as a database that is down.</summary>
public sealed class UnreachableStorage : IGrainStorage
{
    public Task<StoredState<TState>?> ReadAsync<TState>(GrainId grainId, CancellationToken cancellationToken) =>
        Task.FromException<StoredState<TState>?>(new IOException("database is down"));

    public Task<string> WriteAsync<TState>(GrainId grainId, TState state, string? expectedEtag, CancellationToken cancellationToken) =>
        throw new NotSupportedException();

    public Task ClearAsync(GrainId grainId, string? expectedEtag, CancellationToken cancellationToken) =>
        throw new NotSupportedException();
}

public sealed class LifecycleTests
{
    private readonly GrainProbe _probe = new();

    [Fact]
    public async Task State_is_read_before_OnActivateAsync_runs()
    {
        var storage = new MemoryGrainStorage();
        storage.Seed(new GrainId("badge", "b-1"), new BadgeState { Holder = "Ada Lovelace" });
        await using var runtime = new GrainRuntimeBuilder()
            .UseStorage(storage)
            .AddGrain<IBadgeGrain, BadgeGrain>(() => new BadgeGrain(_probe))
            .Build();

        Assert.Equal("Ada Lovelace", await runtime.GetGrain<IBadgeGrain>("b-1").GetHolderSeenOnActivation());
        Assert.Equal("(no record)", await runtime.GetGrain<IBadgeGrain>("b-2").GetHolderSeenOnActivation());
    }

    [Fact]
    public async Task OnActivateAsync_throwing_before_it_awaits_fails_the_call_and_the_next_call_activates_again()
    {
        var settings = new FlakyGrain.Settings { FailuresLeft = 1 };
        await using var runtime = new GrainRuntimeBuilder()
            .AddGrain<IFlakyGrain, FlakyGrain>(() => new FlakyGrain(_probe, settings))
            .Build();
        var grain = runtime.GetGrain<IFlakyGrain>("north");

        // Task.Run: a failed activation once sent its caller round a retry loop that never returned.
        var failure = await Assert.ThrowsAsync<GrainActivationException>(
            () => Task.Run(() => grain.Ping()).WithTimeout("the call to a grain whose activation fails"));

        Assert.Equal(new GrainId("flaky", "north"), failure.GrainId);
        Assert.Equal("gate list not loaded", Assert.IsType<InvalidOperationException>(failure.InnerException).Message);
        Assert.Equal(0, runtime.ActivationCount);
        Assert.Equal(1, _probe.Activations.Value);

        Assert.Equal("pong", await grain.Ping());
        Assert.Equal(2, _probe.Activations.Value);
    }

    [Fact]
    public async Task OnActivateAsync_failing_after_it_awaits_fails_every_waiting_call_and_the_next_call_activates_again()
    {
        var settings = new FlakyGrain.Settings { FailuresLeft = 1, FailAfterAwaiting = true };
        await using var runtime = new GrainRuntimeBuilder()
            .AddGrain<IFlakyGrain, FlakyGrain>(() => new FlakyGrain(_probe, settings))
            .Build();
        var grain = runtime.GetGrain<IFlakyGrain>("north");

        var waiting = Enumerable.Range(0, 3).Select(_ => grain.Ping()).ToArray();
        await _probe.Entered("activation").WithTimeout("OnActivateAsync to start");
        _probe.Gate("activation").SetResult();

        foreach (var call in waiting)
        {
            var failure = await Assert.ThrowsAsync<GrainActivationException>(() => call.WithTimeout("a call waiting on a failing activation"));
            Assert.IsType<InvalidOperationException>(failure.InnerException);
        }

        Assert.Equal(0, runtime.ActivationCount);
        Assert.Equal("pong", await grain.Ping().WithTimeout("the call after the failed activation"));
        Assert.Equal(2, _probe.Activations.Value);
    }

    [Fact]
    public async Task A_call_forwarded_from_a_deactivated_activation_fails_when_the_next_activation_fails()
    {
        var settings = new FlakyGrain.Settings();
        await using var runtime = new GrainRuntimeBuilder()
            .AddGrain<IFlakyGrain, FlakyGrain>(() => new FlakyGrain(_probe, settings))
            .Build();
        var grain = runtime.GetGrain<IFlakyGrain>("north");

        var held = grain.Hold("h");
        await _probe.Entered("h").WithTimeout("the holding call to enter");
        var leave = grain.Leave();
        var forwarded = grain.Ping(); // queued behind Leave: goes to the next activation
        settings.FailuresLeft = 1;
        _probe.Gate("h").SetResult();

        await Task.WhenAll(held, leave).WithTimeout("the calls ahead of the forwarded one");
        await Assert.ThrowsAsync<GrainActivationException>(() => forwarded.WithTimeout("the forwarded call"));
        Assert.Equal(2, _probe.Activations.Value);
        Assert.Equal("pong", await grain.Ping());
    }

    [Fact]
    public async Task A_failed_state_read_fails_the_activation_before_OnActivateAsync_runs()
    {
        await using var runtime = new GrainRuntimeBuilder()
            .AddGrain<IBadgeGrain, BadgeGrain>(() => new BadgeGrain(_probe), new UnreachableStorage())
            .Build();

        var failure = await Assert.ThrowsAsync<GrainActivationException>(
            () => Task.Run(() => runtime.GetGrain<IBadgeGrain>("b-1").GetHolderSeenOnActivation()).WithTimeout("the call to a grain whose state cannot be read"));

        Assert.IsType<IOException>(failure.InnerException);
        Assert.Equal(0, _probe.Activations.Value);
    }
}
