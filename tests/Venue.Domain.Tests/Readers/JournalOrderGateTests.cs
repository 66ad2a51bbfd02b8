using Venue.Domain.Readers;

namespace Venue.Domain.Tests.Readers;

public sealed class JournalOrderGateTests : IDisposable
{
    private static readonly TimeSpan GapTimeout = TimeSpan.FromSeconds(2);

    private readonly ManualTimeProvider _time = new(TestEvent.Now);
    private readonly List<long> _routed = [];
    private readonly List<(long From, long To)> _skipped = [];
    private readonly JournalOrderGate _gate;
    private Func<IReadOnlyList<JournaledRead>, Task> _route;

    public JournalOrderGateTests()
    {
        _route = batch =>
        {
            lock (_routed)
            {
                _routed.Add(batch[0].Sequence);
            }

            return Task.CompletedTask;
        };
        _gate = new JournalOrderGate(1, batch => _route(batch), _time, GapTimeout, (from, to) => _skipped.Add((from, to)));
    }

    public void Dispose() => _gate.Dispose();

    [Fact]
    public async Task Batches_handed_in_out_of_journal_order_are_routed_in_journal_order()
    {
        var third = _gate.PassAsync(Batch(11, 15));
        var second = _gate.PassAsync(Batch(6, 10));
        Assert.False(third.IsCompleted || second.IsCompleted, "a batch went through before the one numbered before it");
        Assert.Empty(_routed);

        var first = _gate.PassAsync(Batch(1, 5));
        await Task.WhenAll(first, second, third).WithTimeout("the three batches to be routed");

        Assert.Equal([1L, 6, 11], Routed());
        Assert.Empty(_skipped);
    }

    [Fact]
    public async Task A_batch_waits_for_the_one_before_it_to_finish_routing()
    {
        var release = Signal.New();
        var entered = Signal.New();
        _route = async batch =>
        {
            lock (_routed)
            {
                _routed.Add(batch[0].Sequence);
            }

            if (batch[0].Sequence == 1)
            {
                entered.TrySetResult();
                await release.Task;
            }
        };

        var first = _gate.PassAsync(Batch(1, 3));
        await entered.Task.WithTimeout("the first batch's routing to start");
        var second = _gate.PassAsync(Batch(4, 4));

        Assert.Equal([1L], Routed());
        Assert.False(second.IsCompleted);
        release.TrySetResult();
        await Task.WhenAll(first, second).WithTimeout("both batches to be routed");
        Assert.Equal([1L, 4], Routed());
    }

    [Fact]
    public async Task A_gap_that_never_fills_is_given_up_on_after_the_timeout_and_its_late_batch_still_goes_through()
    {
        var later = _gate.PassAsync(Batch(6, 10));
        _time.Advance(GapTimeout - TimeSpan.FromMilliseconds(1));
        Assert.False(later.IsCompleted, "the batch went on before the gap timeout");

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await later.WithTimeout("the batch after the gap to be routed once the timeout passed");

        Assert.Equal([(1L, 5L)], _skipped);
        Assert.Equal(5, _gate.SkippedSequences);
        // The gap's batch turns up after all: it is routed at once, late rather than never.
        await _gate.PassAsync(Batch(1, 5)).WithTimeout("the late batch to be routed");
        Assert.Equal([6L, 1], Routed());
        await _gate.PassAsync(Batch(11, 11)).WithTimeout("the next batch in order");
        Assert.Equal([6L, 1, 11], Routed());
    }

    [Fact]
    public async Task After_a_quiet_spell_a_batch_a_moment_late_is_still_waited_for()
    {
        await _gate.PassAsync(Batch(1, 1)).WithTimeout("the first batch");
        _time.Advance(TimeSpan.FromSeconds(10));

        // Batch 3 arrives a moment before batch 2: the gap is new, however long the doorway was quiet.
        var third = _gate.PassAsync(Batch(3, 3));
        _time.Advance(TimeSpan.Zero);
        Assert.False(third.IsCompleted, "the gap was given up on at once after a quiet spell");
        await _gate.PassAsync(Batch(2, 2)).WithTimeout("the second batch");
        await third.WithTimeout("the third batch");

        Assert.Equal([1L, 2, 3], Routed());
        Assert.Empty(_skipped);
    }

    [Fact]
    public async Task A_report_of_a_skipped_gap_that_throws_does_not_stall_routing()
    {
        using var gate = new JournalOrderGate(1, Record, _time, GapTimeout, (_, _) => throw new InvalidOperationException("logger down"));
        var later = gate.PassAsync(Batch(2, 2));

        _time.Advance(GapTimeout);
        await later.WithTimeout("the batch after the gap");
        await gate.PassAsync(Batch(3, 3)).WithTimeout("the next batch");

        Assert.Equal([2L, 3], Routed());
    }

    [Fact]
    public async Task A_batch_whose_routing_fails_faults_its_own_caller_and_the_next_batches_still_go()
    {
        _route = batch => batch[0].Sequence == 1 ? Task.FromException(new InvalidOperationException("portal down")) : Record(batch);

        var failed = _gate.PassAsync(Batch(1, 2));
        var next = _gate.PassAsync(Batch(3, 4));

        await Assert.ThrowsAsync<InvalidOperationException>(() => failed.WithTimeout("the failing batch"));
        await next.WithTimeout("the batch after the failed one");
        Assert.Equal([3L], Routed());
    }

    [Fact]
    public async Task Many_concurrent_batches_are_routed_once_each_in_journal_order()
    {
        const int batches = 2_000;
        var order = Enumerable.Range(0, batches).OrderBy(_ => Random.Shared.Next()).ToArray();

        await Task.WhenAll(order.Select(b => Task.Run(() => _gate.PassAsync(Batch((b * 3) + 1, (b * 3) + 3))))).WithTimeout($"{batches} batches to be routed");

        Assert.Equal(Enumerable.Range(0, batches).Select(b => (long)(b * 3) + 1), Routed());
    }

    private Task Record(IReadOnlyList<JournaledRead> batch)
    {
        lock (_routed)
        {
            _routed.Add(batch[0].Sequence);
        }

        return Task.CompletedTask;
    }

    private long[] Routed()
    {
        lock (_routed)
        {
            return [.. _routed];
        }
    }

    private static JournaledRead[] Batch(long first, long last) =>
        [.. Enumerable.Range(0, (int)(last - first + 1)).Select(i => new JournaledRead(first + i, new TagRead("r1", first + i, "epc", 1, -60, TestEvent.Now), TestEvent.Now))];
}
