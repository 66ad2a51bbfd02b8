namespace Venue.Runtime.Tests;

public interface ITurnGrain : IGrainWithStringKey
{
    /// <summary>Reads a count, yields, writes it back plus one: loses updates unless turns are serialized.</summary>
    Task CheckThenMark();

    Task<int> GetMarks();

    Task Record(int caller);

    Task<int[]> GetRecorded();

    [ReadOnly]
    Task Read(string name);

    Task Write(string name);
}

public sealed class TurnGrain(GrainProbe probe) : Grain, ITurnGrain
{
    private readonly List<int> _recorded = [];
    private int _marks;

    public async Task CheckThenMark()
    {
        probe.Enter("mark");
        var seen = _marks;
        await Task.Yield();
        _marks = seen + 1;
        probe.Exit("mark");
    }

    public Task<int> GetMarks() => Task.FromResult(_marks);

    public async Task Record(int caller)
    {
        _recorded.Add(caller);
        await Task.Yield();
    }

    public Task<int[]> GetRecorded() => Task.FromResult(_recorded.ToArray());

    public Task Read(string name) => probe.HoldAsync(name);

    public Task Write(string name) => probe.HoldAsync(name);
}

public sealed class TurnTests
{
    private readonly GrainProbe _probe = new();

    private GrainRuntime Build() => new GrainRuntimeBuilder()
        .AddGrain<ITurnGrain, TurnGrain>(() => new TurnGrain(_probe))
        .Build();

    [Fact]
    public async Task A_thousand_concurrent_callers_of_one_grain_see_strictly_serialized_turns()
    {
        await using var runtime = Build();
        var grain = runtime.GetGrain<ITurnGrain>("attendee-7");

        var callers = Enumerable.Range(0, 1000).Select(_ => Task.Run(() => grain.CheckThenMark())).ToArray();
        await Task.WhenAll(callers).WithTimeout("a thousand calls to finish");

        Assert.Equal(1, _probe.MaxInside);
        Assert.Equal(1000, await grain.GetMarks());
        Assert.Equal(2000, _probe.Log.Count);
    }

    [Fact]
    public async Task Calls_issued_one_after_another_without_awaiting_run_in_issue_order()
    {
        await using var runtime = Build();
        var grain = runtime.GetGrain<ITurnGrain>("attendee-7");

        var calls = new List<Task>();
        for (var i = 0; i < 100; i++)
        {
            calls.Add(grain.Record(i));
        }

        await Task.WhenAll(calls).WithTimeout("a hundred calls to finish");

        Assert.Equal(Enumerable.Range(0, 100), await grain.GetRecorded());
    }

    [Fact]
    public async Task Read_only_calls_interleave_with_each_other()
    {
        await using var runtime = Build();
        var grain = runtime.GetGrain<ITurnGrain>("zone-a");

        var first = grain.Read("r1");
        var second = grain.Read("r2");

        await Task.WhenAll(_probe.Entered("r1"), _probe.Entered("r2")).WithTimeout("two read-only calls to be inside at once");
        Assert.Equal(2, _probe.Inside);

        _probe.Gate("r1").SetResult();
        _probe.Gate("r2").SetResult();
        await Task.WhenAll(first, second).WithTimeout("the read-only calls to finish");
    }

    [Fact]
    public async Task A_read_only_call_waits_while_a_writing_call_runs()
    {
        await using var runtime = Build();
        var grain = runtime.GetGrain<ITurnGrain>("zone-a");

        var write = grain.Write("w");
        await _probe.Entered("w").WithTimeout("the writing call to enter");
        var read = grain.Read("r");
        _probe.Gate("r").SetResult();

        Assert.DoesNotContain("enter r", _probe.Log);
        _probe.Gate("w").SetResult();
        await Task.WhenAll(write, read).WithTimeout("both calls to finish");

        Assert.Equal(new[] { "enter w", "exit w", "enter r", "exit r" }, _probe.Log);
        Assert.Equal(1, _probe.MaxInside);
    }

    [Fact]
    public async Task A_writing_call_waits_for_running_read_only_calls_and_a_later_read_only_call_waits_for_it()
    {
        await using var runtime = Build();
        var grain = runtime.GetGrain<ITurnGrain>("zone-a");

        var r1 = grain.Read("r1");
        var r2 = grain.Read("r2");
        await Task.WhenAll(_probe.Entered("r1"), _probe.Entered("r2")).WithTimeout("two read-only calls to be inside at once");

        var write = grain.Write("w");
        var r3 = grain.Read("r3"); // arrives after the write: must not join r1 and r2 ahead of it
        _probe.Gate("r3").SetResult();
        Assert.DoesNotContain("enter w", _probe.Log);
        Assert.DoesNotContain("enter r3", _probe.Log);

        _probe.Gate("r1").SetResult();
        _probe.Gate("r2").SetResult();
        await _probe.Entered("w").WithTimeout("the writing call to enter once the readers left");
        Assert.Equal(1, _probe.InsideAtEntry("w"));
        Assert.DoesNotContain("enter r3", _probe.Log);

        _probe.Gate("w").SetResult();
        await Task.WhenAll(r1, r2, write, r3).WithTimeout("all calls to finish");

        var log = _probe.Log.ToList();
        Assert.True(log.IndexOf("enter w") > log.IndexOf("exit r1") && log.IndexOf("enter w") > log.IndexOf("exit r2"), string.Join(", ", log));
        Assert.True(log.IndexOf("enter r3") > log.IndexOf("exit w"), string.Join(", ", log));
        Assert.Equal(1, _probe.InsideAtEntry("r3"));
    }
}
