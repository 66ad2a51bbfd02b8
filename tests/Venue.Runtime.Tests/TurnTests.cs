using System.Diagnostics;

namespace Venue.Runtime.Tests;

public interface ITurnGrain : IGrainWithStringKey
{
    /// <summary>Reads a count, yields, writes it back plus one: loses updates unless turns are serialized.</summary>
    Task CheckThenMark();

    Task<int> GetMarks();

    Task Record(int caller);

    Task<int[]> GetRecorded();

    /// <summary>Records the caller and the probe's clock, without yielding.</summary>
    Task Note(int caller);

    Task<(int Caller, long Clock)[]> GetNotes();

    [ReadOnly]
    Task Read(string name);

    Task Write(string name);
}

public sealed class TurnGrain(GrainProbe probe) : Grain, ITurnGrain
{
    private readonly List<int> _recorded = [];
    private readonly List<(int, long)> _notes = [];
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

    public Task Note(int caller)
    {
        _notes.Add((caller, probe.Clock()));
        return Task.CompletedTask;
    }

    public Task<(int Caller, long Clock)[]> GetNotes() => Task.FromResult(_notes.ToArray());

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
    [Fact]
    public async Task Queued_turns_that_end_without_yielding_run_back_to_back_instead_of_waiting_behind_the_thread_pool_queue()
    {
        await using var runtime = Build();
        var grain = runtime.GetGrain<ITurnGrain>("board-booths");
        var write = grain.Write("hold");
        await _probe.Entered("hold").WithTimeout("the holding call to enter");
        var calls = Enumerable.Range(0, 50).Select(grain.Note).ToArray();

        // Keep the pool's global queue 64 items deep with 1 ms work items, and count the ones done.
        long floodDone = 0;
        _probe.Clock = () => Interlocked.Read(ref floodDone);
        using var stop = new CancellationTokenSource();
        for (var i = 0; i < 64; i++)
        {
            ThreadPool.UnsafeQueueUserWorkItem(new Flood(stop.Token, () => Interlocked.Increment(ref floodDone)), preferLocal: false);
        }

        _probe.Gate("hold").SetResult();
        try
        {
            await Task.WhenAll(calls).WithTimeout("the queued calls to finish");
        }
        finally
        {
            stop.Cancel();
        }

        await write;
        var notes = await grain.GetNotes();
        Assert.Equal(Enumerable.Range(0, 50), notes.Select(n => n.Caller));
        // One pool hop per turn would put about 64 flood items between consecutive turns (over 3,000 in all).
        var between = notes[^1].Clock - notes[0].Clock;
        Assert.True(between < 640, $"{between} flood items ran between the first and the last queued turn");
    }

    private sealed class Flood(CancellationToken stop, Action done) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            var until = Stopwatch.GetTimestamp() + (Stopwatch.Frequency / 1000);
            while (Stopwatch.GetTimestamp() < until)
            {
                Thread.SpinWait(20);
            }

            done();
            if (!stop.IsCancellationRequested)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
        }
    }
}
