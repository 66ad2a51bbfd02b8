using Venue.Runtime.Storage;

namespace Venue.Runtime.Tests;

public sealed record TallyState
{
    public int Count { get; init; }
}

public interface ITallyGrain : IGrainWithStringKey
{
    Task<int> Add(int amount);

    Task<int> Get();

    Task<string?> GetEtag();

    Task Clear();
}

public sealed class TallyGrain(GrainProbe probe) : Grain<TallyState>, ITallyGrain
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

    public async Task<int> Add(int amount)
    {
        State = State with { Count = State.Count + amount };
        await WriteStateAsync();
        return State.Count;
    }

    public Task<int> Get() => Task.FromResult(State.Count);

    public Task<string?> GetEtag() => Task.FromResult(Etag);

    public Task Clear() => ClearStateAsync();
}

public sealed class PersistentStateTests
{
    private static readonly GrainId Tally = new("tally", "gate-3");
    private readonly GrainProbe _probe = new();
    private readonly MemoryGrainStorage _storage = new();

    private GrainRuntime Build() => new GrainRuntimeBuilder()
        .UseStorage(_storage)
        .AddGrain<ITallyGrain, TallyGrain>(() => new TallyGrain(_probe))
        .Build();

    [Fact]
    public async Task Written_state_is_in_storage_under_the_grains_etag_and_a_new_runtime_reads_it_back()
    {
        await using (var runtime = Build())
        {
            var tally = runtime.GetGrain<ITallyGrain>(Tally.Key);
            await tally.Add(2);
            Assert.Equal(5, await tally.Add(3));

            var stored = await _storage.ReadAsync<TallyState>(Tally, CancellationToken.None);
            Assert.NotNull(stored);
            Assert.Equal(5, stored.State.Count);
            Assert.Equal(stored.Etag, await tally.GetEtag());
        }

        await using var restarted = Build();
        Assert.Equal(5, await restarted.GetGrain<ITallyGrain>(Tally.Key).Get());
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_throws_to_the_caller_and_the_next_call_reads_the_stored_state_afresh()
    {
        await using var runtime = Build();
        var tally = runtime.GetGrain<ITallyGrain>(Tally.Key);
        await tally.Add(1);

        // Another writer changes the stored state under the activation's feet.
        var current = await _storage.ReadAsync<TallyState>(Tally, CancellationToken.None);
        await _storage.WriteAsync(Tally, new TallyState { Count = 40 }, current!.Etag, CancellationToken.None);

        var stale = await Assert.ThrowsAsync<InconsistentStateException>(() => tally.Add(1));
        Assert.Equal(Tally, stale.GrainId);
        await _probe.Deactivations.Reaches(1).WithTimeout("the activation with stale state to be dropped");
        Assert.Equal(new[] { DeactivationReason.InconsistentState }, _probe.DeactivationReasons);

        Assert.Equal(40, await tally.Get());
        Assert.Equal(2, _probe.Activations.Value);
        Assert.Equal(42, await tally.Add(2));
    }

    [Fact]
    public async Task Cleared_state_leaves_storage_and_the_next_activation_starts_from_empty_state()
    {
        await using var runtime = Build();
        var tally = runtime.GetGrain<ITallyGrain>(Tally.Key);
        await tally.Add(7);

        await tally.Clear();

        Assert.Null(await _storage.ReadAsync<TallyState>(Tally, CancellationToken.None));
        Assert.Null(await tally.GetEtag());
        Assert.Equal(0, await tally.Get());
        Assert.Equal(3, await tally.Add(3));
    }
}
