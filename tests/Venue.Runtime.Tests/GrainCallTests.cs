namespace Venue.Runtime.Tests;

public interface IBoothGrain : IGrainWithStringKey
{
    Task AddLead(string attendee);

    Task<int> CountLeads();

    Task<string[]> GetLeads();

    Task FailSynchronously(string message);

    Task<int> FailAsynchronously(string message);

    Task Hold(string name);

    /// <summary>Calls another grain: asks a session grain for its name.</summary>
    Task<string> DescribeSession(string sessionKey);
}

public interface ISessionGrain : IGrainWithStringKey
{
    Task<string> GetTitle();
}

public sealed class BoothGrain(GrainProbe probe) : Grain, IBoothGrain
{
    private readonly List<string> _leads = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activated();
        return Task.CompletedTask;
    }

    public Task AddLead(string attendee)
    {
        _leads.Add(attendee);
        return Task.CompletedTask;
    }

    public async Task<int> CountLeads()
    {
        await Task.Yield();
        return _leads.Count;
    }

    public Task<string[]> GetLeads() => Task.FromResult(_leads.ToArray());

    public Task FailSynchronously(string message) => throw new InvalidOperationException(message);

    public async Task<int> FailAsynchronously(string message)
    {
        await Task.Yield();
        throw new ArgumentException(message);
    }

    public Task Hold(string name) => probe.HoldAsync(name);

    public async Task<string> DescribeSession(string sessionKey)
    {
        var title = await GrainFactory.GetGrain<ISessionGrain>(sessionKey).GetTitle();
        return $"{GrainId} hosts {title}";
    }
}

public sealed class SessionGrain : Grain, ISessionGrain
{
    public async Task<string> GetTitle()
    {
        await Task.Yield();
        return $"the session {Key}";
    }
}

public sealed class GrainCallTests
{
    private readonly GrainProbe _probe = new();

    private GrainRuntime Build() => new GrainRuntimeBuilder()
        .AddGrain<IBoothGrain, BoothGrain>(() => new BoothGrain(_probe))
        .AddGrain<ISessionGrain, SessionGrain>(() => new SessionGrain())
        .Build();

    [Fact]
    public async Task Methods_returning_Task_and_Task_of_T_both_complete_with_their_results()
    {
        await using var runtime = Build();
        var booth = runtime.GetGrain<IBoothGrain>("b-12");

        await booth.AddLead("ada");
        await booth.AddLead("grace");

        Assert.Equal(2, await booth.CountLeads());
        Assert.Equal(new[] { "ada", "grace" }, await booth.GetLeads());
    }

    [Fact]
    public async Task Methods_returning_Task_and_Task_of_T_both_complete_when_they_waited_in_the_queue()
    {
        await using var runtime = Build();
        var booth = runtime.GetGrain<IBoothGrain>("b-12");

        var held = booth.Hold("h");
        await _probe.Entered("h").WithTimeout("the holding call to enter");
        var add = booth.AddLead("ada");
        var count = booth.CountLeads();
        Assert.False(add.IsCompleted);
        _probe.Gate("h").SetResult();

        await Task.WhenAll(held, add).WithTimeout("the queued calls to finish");
        Assert.Equal(1, await count.WithTimeout("the queued Task<int> call"));
    }

    [Fact]
    public async Task A_grain_can_call_another_grain()
    {
        await using var runtime = Build();

        Assert.Equal("booth/b-12 hosts the session keynote", await runtime.GetGrain<IBoothGrain>("b-12").DescribeSession("keynote"));
        Assert.Equal(2, runtime.ActivationCount);
    }

    [Fact]
    public async Task A_synchronous_throw_reaches_the_caller_and_the_activation_lives_on()
    {
        await using var runtime = Build();
        var booth = runtime.GetGrain<IBoothGrain>("b-12");
        await booth.AddLead("ada");

        var thrown = await Assert.ThrowsAsync<InvalidOperationException>(() => booth.FailSynchronously("scanner offline"));

        Assert.Equal("scanner offline", thrown.Message);
        Assert.Equal(new[] { "ada" }, await booth.GetLeads());
        Assert.Equal(1, _probe.Activations.Value);
    }

    [Fact]
    public async Task An_asynchronous_throw_reaches_the_caller_and_the_activation_lives_on()
    {
        await using var runtime = Build();
        var booth = runtime.GetGrain<IBoothGrain>("b-12");
        await booth.AddLead("ada");

        var thrown = await Assert.ThrowsAsync<ArgumentException>(() => booth.FailAsynchronously("badge unreadable"));

        Assert.Equal("badge unreadable", thrown.Message);
        Assert.Equal(new[] { "ada" }, await booth.GetLeads());
        Assert.Equal(1, _probe.Activations.Value);
    }

    [Fact]
    public async Task Throws_from_calls_that_waited_in_the_queue_reach_their_callers_too()
    {
        await using var runtime = Build();
        var booth = runtime.GetGrain<IBoothGrain>("b-12");
        await booth.AddLead("ada");

        var held = booth.Hold("h");
        await _probe.Entered("h").WithTimeout("the holding call to enter");
        var failsSynchronously = booth.FailSynchronously("scanner offline");
        var failsAsynchronously = booth.FailAsynchronously("badge unreadable");
        _probe.Gate("h").SetResult();
        await held.WithTimeout("the holding call to finish");

        Assert.Equal("scanner offline", (await Assert.ThrowsAsync<InvalidOperationException>(() => failsSynchronously)).Message);
        Assert.Equal("badge unreadable", (await Assert.ThrowsAsync<ArgumentException>(() => failsAsynchronously)).Message);
        Assert.Equal(new[] { "ada" }, await booth.GetLeads());
        Assert.Equal(1, _probe.Activations.Value);
    }
}
