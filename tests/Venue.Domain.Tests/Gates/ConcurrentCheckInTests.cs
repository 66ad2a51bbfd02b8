using Venue.Domain.Attendees;
using Venue.Domain.CheckIn;
using Venue.Domain.Gates;

namespace Venue.Domain.Tests.Gates;

public sealed class ConcurrentCheckInTests : IDisposable
{
    private const int Scans = 64;
    private const int GateCount = 8;

    private static readonly GateDefinition[] Gates =
        [.. Enumerable.Range(0, GateCount).Select(i => new GateDefinition($"gate-{i}", $"Gate {i}"))];

    private readonly TestEvent _event = new();

    public void Dispose() => _event.Dispose();

    [Fact]
    public async Task Sixty_four_concurrent_scans_of_one_badge_across_eight_gates_admit_exactly_once()
    {
        await using var rig = new CheckInRig(_event, Gates);
        var token = _event.Register("A-1");
        var start = Signal.New();

        var scans = Enumerable.Range(0, Scans).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await rig.CheckIn.ScanAsync($"gate-{i % GateCount}", new ScanRequest(token, ScanDirection.Entry, $"n-{i}", TestEvent.Now));
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(scans).WithTimeout($"{Scans} concurrent scans");

        Assert.Single(results, r => r.Reason == ScanReason.Admitted);
        Assert.Equal(Scans - 1, results.Count(r => r.Reason == ScanReason.AlreadyInside));
        Assert.Equal(Scans, rig.Journal.Entries.Count);
        Assert.Single(rig.Journal.Entries, e => e.Reason == ScanReason.Admitted);
        Assert.Equal(1, (await rig.PresenceAsync("A-1")).Entries);
    }

    [Fact]
    public async Task Sixty_four_concurrent_scans_asked_of_one_attendee_grain_admit_exactly_once()
    {
        await using var rig = new CheckInRig(_event, Gates);
        var attendee = new AttendeeSummary("A-1", "Attendee A-1", "general");
        var start = Signal.New();

        var passes = Enumerable.Range(0, Scans).Select(i => Task.Run(async () =>
        {
            await start.Task;
            var outcome = await rig.Runtime.GetGrain<IAttendeeGrain>("A-1")
                .ScanAsync(new AttendeeScan($"gate-{i % GateCount}", ScanDirection.Entry, $"n-{i}", TestEvent.Now, null, true, attendee));
            return outcome.Result;
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(passes).WithTimeout($"{Scans} concurrent passages");

        var admitted = Assert.Single(results, r => r.Passed);
        Assert.Equal(ScanReason.Admitted, admitted.Reason);
        Assert.All(results.Where(r => !r.Passed), r => Assert.Equal(ScanReason.AlreadyInside, r.Reason));
        Assert.Equal(results.Select(r => r.JournalSequence).Order(), rig.Journal.Entries.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Concurrent_retries_of_one_nonce_at_one_gate_are_answered_once()
    {
        await using var rig = new CheckInRig(_event, Gates);
        var token = _event.Register("A-1");
        var start = Signal.New();

        var retries = Enumerable.Range(0, Scans).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            return await rig.CheckIn.ScanAsync("gate-0", new ScanRequest(token, ScanDirection.Entry, "the-one-nonce", TestEvent.Now));
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(retries).WithTimeout($"{Scans} concurrent retries");

        Assert.All(results, r => Assert.Equal(results[0], r));
        Assert.Equal(ScanReason.Admitted, results[0].Reason);
        Assert.Single(rig.Journal.Entries);
    }
}
