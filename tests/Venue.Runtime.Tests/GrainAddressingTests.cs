namespace Venue.Runtime.Tests;

public interface IAttendeeGrain : IGrainWithStringKey
{
    Task<string> GetIdentity();
}

[GrainType("turnstile")]
public interface IGateGrain : IGrainWithStringKey
{
    Task<string> GetIdentity();
}

public sealed class AttendeeGrain(GrainProbe probe) : Grain, IAttendeeGrain
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        probe.Activated();
        return Task.CompletedTask;
    }

    public Task<string> GetIdentity() => Task.FromResult(GrainId.ToString());
}

public sealed class GateGrain : Grain, IGateGrain
{
    public Task<string> GetIdentity() => Task.FromResult(GrainId.ToString());
}

public sealed class GrainAddressingTests
{
    private readonly GrainProbe _probe = new();

    private GrainRuntime Build() => new GrainRuntimeBuilder()
        .AddGrain<IAttendeeGrain, AttendeeGrain>(() => new AttendeeGrain(_probe))
        .AddGrain<IGateGrain, GateGrain>(() => new GateGrain())
        .Build();

    [Fact]
    public async Task Grain_id_reads_type_taken_from_the_interface_name_then_key()
    {
        await using var runtime = Build();
        var attendee = runtime.GetGrain<IAttendeeGrain>("42");

        Assert.Equal("attendee/42", attendee.ToString());
        Assert.Equal(new GrainId("attendee", "42"), ((GrainProxy)(object)attendee).GrainId);
        Assert.Equal("attendee/42", await attendee.GetIdentity());
    }

    [Fact]
    public async Task GrainType_attribute_overrides_the_type_name_taken_from_the_interface()
    {
        await using var runtime = Build();

        Assert.Equal("turnstile/north-1", await runtime.GetGrain<IGateGrain>("north-1").GetIdentity());
    }

    [Fact]
    public async Task Getting_a_reference_activates_nothing_and_the_first_call_activates()
    {
        await using var runtime = Build();
        var id = new GrainId("attendee", "42");

        var attendee = runtime.GetGrain<IAttendeeGrain>("42");

        Assert.Equal(0, runtime.ActivationCount);
        Assert.Equal(0, _probe.Activations.Value);
        Assert.False(runtime.IsActive(id));

        await attendee.GetIdentity();

        Assert.Equal(1, runtime.ActivationCount);
        Assert.Equal(1, _probe.Activations.Value);
        Assert.True(runtime.IsActive(id));
    }

    [Fact]
    public async Task References_with_one_key_reach_one_activation_and_another_key_reaches_another()
    {
        await using var runtime = Build();

        await runtime.GetGrain<IAttendeeGrain>("42").GetIdentity();
        await runtime.GetGrain<IAttendeeGrain>("42").GetIdentity();
        Assert.Equal(1, _probe.Activations.Value);

        await runtime.GetGrain<IAttendeeGrain>("43").GetIdentity();
        Assert.Equal(2, _probe.Activations.Value);
        Assert.Equal(2, runtime.ActivationCount);
    }

    [Fact]
    public async Task Getting_a_grain_whose_interface_has_no_registered_class_is_refused()
    {
        await using var runtime = new GrainRuntimeBuilder().AddGrain<IGateGrain, GateGrain>(() => new GateGrain()).Build();

        Assert.Throws<ArgumentException>(() => runtime.GetGrain<IAttendeeGrain>("42"));
    }
}
