namespace Venue.Runtime.Tests;

public interface IKioskGrain : IGrainWithStringKey
{
    Task Touch();

    Task<string> Name();

    Task Leave();

    Task Hold(string name);
}

public sealed class KioskGrain(GrainProbe probe) : Grain, IKioskGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activated();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Enter($"deactivate {Key}");
        probe.Deactivated(reason);
        probe.Exit($"deactivate {Key}");
        return Task.CompletedTask;
    }

    public Task Touch() => Task.CompletedTask;

    public Task<string> Name() => Task.FromResult(Key);

    public Task Leave()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task Hold(string name) => probe.HoldAsync(name);
}

public interface IRecorderGrain : IGrainWithStringKey
{
    Task Record(int value);

    Task Leave();
}

/// <summary>Records calls in a list that outlives its activations; its deactivation waits for the probe's "deactivate" gate.</summary>
public sealed class RecorderGrain(GrainProbe probe, System.Collections.Concurrent.ConcurrentQueue<int> recorded) : Grain, IRecorderGrain
{
    public Task Record(int value)
    {
        recorded.Enqueue(value);
        return Task.CompletedTask;
    }

    public Task Leave()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        probe.Enter("deactivate");
        await probe.Gate("deactivate").Task;
    }
}

public sealed class DeactivationTests
{
    private readonly GrainProbe _probe = new();

    private GrainRuntime Build() => new GrainRuntimeBuilder()
        .AddGrain<IKioskGrain, KioskGrain>(() => new KioskGrain(_probe))
        .Build();

    [Fact]
    public async Task DeactivateOnIdle_deactivates_after_the_call_and_the_next_call_activates_afresh()
    {
        await using var runtime = Build();
        var kiosk = runtime.GetGrain<IKioskGrain>("k-1");

        await kiosk.Leave();
        await _probe.Deactivations.Reaches(1).WithTimeout("the kiosk to deactivate after asking to");

        Assert.Equal(new[] { DeactivationReason.ApplicationRequested }, _probe.DeactivationReasons);
        await kiosk.Touch();
        Assert.Equal(2, _probe.Activations.Value);
    }

    [Fact]
    public async Task StopAsync_deactivates_every_activation_as_shutting_down_once_its_running_turn_ends()
    {
        var runtime = Build();
        await runtime.GetGrain<IKioskGrain>("k-1").Touch();
        await runtime.GetGrain<IKioskGrain>("k-2").Touch();
        var held = runtime.GetGrain<IKioskGrain>("k-3").Hold("h");
        await _probe.Entered("h").WithTimeout("the holding call to enter");

        var stopping = runtime.StopAsync();
        await _probe.Deactivations.Reaches(2).WithTimeout("the idle kiosks to deactivate");
        Assert.DoesNotContain("enter deactivate k-3", _probe.Log);
        Assert.False(stopping.IsCompleted);

        _probe.Gate("h").SetResult();
        await Task.WhenAll(held, stopping).WithTimeout("the runtime to stop");

        Assert.Equal(3, _probe.Deactivations.Value);
        Assert.All(_probe.DeactivationReasons, r => Assert.Equal(DeactivationReason.ShuttingDown, r));
        Assert.Equal(0, runtime.ActivationCount);
        var log = _probe.Log.ToList();
        Assert.True(log.IndexOf("enter deactivate k-3") > log.IndexOf("exit h"), string.Join(", ", log));
    }

    [Fact]
    public async Task StopAsync_racing_calls_that_activate_grains_leaves_no_activation_behind()
    {
        // A call that passed the "stopped?" check just before the stop could add an activation the
        // stop never saw: alive, its timers armed, after StopAsync returned. Many rounds, many keys.
        for (var round = 0; round < 2000; round++)
        {
            var runtime = Build();
            var start = new ManualResetEventSlim();
            var calls = Enumerable.Range(0, 64).Select(i => Task.Run(async () =>
            {
                start.Wait();
                try
                {
                    await runtime.GetGrain<IKioskGrain>($"r{round}-k{i}").Touch();
                }
                catch (ObjectDisposedException)
                {
                    // Refused by the stop: fine.
                }
            })).ToList();
            var stopping = Task.Run(async () =>
            {
                start.Wait();
                await runtime.StopAsync();
            });

            start.Set();
            await Task.WhenAll([.. calls, stopping]).WithTimeout($"round {round}'s calls and stop");

            Assert.True(runtime.ActivationCount == 0, $"round {round}: {runtime.ActivationCount} activation(s) alive after StopAsync returned");
            Assert.Equal(_probe.Activations.Value, _probe.Deactivations.Value);
        }
    }

    [Fact]
    public async Task A_call_queued_while_a_grain_deactivates_runs_before_one_that_arrives_as_the_deactivation_ends()
    {
        for (var round = 0; round < 300; round++)
        {
            var probe = new GrainProbe();
            var recorded = new System.Collections.Concurrent.ConcurrentQueue<int>();
            await using var runtime = new GrainRuntimeBuilder().AddGrain<IRecorderGrain, RecorderGrain>(() => new RecorderGrain(probe, recorded)).Build();
            var recorder = runtime.GetGrain<IRecorderGrain>("r");
            await recorder.Leave();
            await probe.Entered("deactivate").WithTimeout("the deactivation to begin");

            var first = recorder.Record(1); // queued: the activation is deactivating
            // Another caller, sending as soon as the old activation has left (or, failing that, after the first call).
            var second = Task.Run(async () =>
            {
                var spin = new SpinWait();
                while (runtime.ActivationCount != 0 && !first.IsCompleted)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                }

                await recorder.Record(2);
            });
            probe.Gate("deactivate").SetResult();
            await Task.WhenAll(first, second).WithTimeout($"round {round}'s calls");

            Assert.True(recorded.SequenceEqual([1, 2]), $"round {round}: ran in the order {string.Join(", ", recorded)}");
        }
    }

    [Fact]
    public async Task A_stopped_runtime_refuses_calls_that_would_activate_a_grain()
    {
        var runtime = Build();
        await runtime.StopAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => runtime.GetGrain<IKioskGrain>("k-1").Touch());
    }

    [Fact]
    public async Task A_call_after_the_runtime_stopped_fails_its_task_instead_of_throwing_at_the_caller()
    {
        var runtime = Build();
        await runtime.StopAsync();
        var kiosk = runtime.GetGrain<IKioskGrain>("k-1");

        Task? touched = null;
        Task<string>? named = null;
        var thrown = Record.Exception(() =>
        {
            touched = kiosk.Touch(); // as a fire-and-forget caller (_ = kiosk.Touch()) calls it
            named = kiosk.Name();
        });

        Assert.Null(thrown);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => touched!);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => named!);
    }
}
