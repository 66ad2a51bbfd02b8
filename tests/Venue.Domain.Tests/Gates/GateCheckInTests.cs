using Venue.Domain.CheckIn;
using Venue.Domain.Gates;
using Venue.Domain.Journal;
using Venue.Runtime;

namespace Venue.Domain.Tests.Gates;

public sealed class GateCheckInTests : IAsyncLifetime, IDisposable
{
    private static readonly GateDefinition Main = new("main", "Main entrance", Zone: "hall-a");
    private static readonly GateDefinition South = new("south", "South entrance");
    private static readonly GateDefinition Evening = new("evening", "Evening entrance",
        OpensAt: TestEvent.Now.AddHours(1), ClosesAt: TestEvent.Now.AddHours(10));

    private readonly TestEvent _event = new();
    private readonly CheckInRig _rig;

    public GateCheckInTests() => _rig = new CheckInRig(_event, Main, South, Evening);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    public void Dispose() => _event.Dispose();

    private static void AssertReason(ScanReason expected, ScanResult result) =>
        Assert.True(result.Reason == expected, $"Expected {expected.Code()}, got {result.Reason.Code()}.");

    [Fact]
    public async Task A_first_entry_is_admitted_and_journaled_with_the_attendee()
    {
        var token = _event.Register("A-1");

        var result = await _rig.ScanAsync("main", token, nonce: "n-1");

        Assert.True(result.Passed);
        AssertReason(ScanReason.Admitted, result);
        Assert.Equal(new AttendeeSummary("A-1", "Attendee A-1", "general"), result.Attendee);
        Assert.Equal("main", result.GateId);
        Assert.Equal("n-1", result.Nonce);
        Assert.Equal(TestEvent.Now, result.At);
        var entry = Assert.Single(_rig.Journal.Entries);
        Assert.Equal(result.JournalSequence, entry.Sequence);
        Assert.Equal(new JournalEntry("main", "A-1", ScanDirection.Entry, ScanReason.Admitted, "n-1", TestEvent.Now, TestEvent.Now) { TicketType = "general" },
            entry with { Sequence = 0, Hlc = 0 });
        var presence = await _rig.PresenceAsync("A-1");
        Assert.True(presence.Inside);
        Assert.Equal("main", presence.LastGate);
    }

    [Fact]
    public async Task A_second_entry_without_an_exit_is_refused_as_already_inside_at_any_gate()
    {
        var token = _event.Register("A-1");
        await _rig.ScanAsync("main", token);

        var again = await _rig.ScanAsync("south", token);

        Assert.False(again.Passed);
        AssertReason(ScanReason.AlreadyInside, again);
        Assert.Equal(1, (await _rig.PresenceAsync("A-1")).Entries);
        Assert.Equal([ScanReason.Admitted, ScanReason.AlreadyInside], _rig.Journal.Entries.Select(e => e.Reason));
    }

    [Fact]
    public async Task An_attendee_who_exits_may_enter_again_when_the_ticket_type_allows_reentry()
    {
        var token = _event.Register("A-1");

        AssertReason(ScanReason.Admitted, await _rig.ScanAsync("main", token));
        AssertReason(ScanReason.Exited, await _rig.ScanAsync("south", token, ScanDirection.Exit));
        AssertReason(ScanReason.Admitted, await _rig.ScanAsync("main", token));

        var presence = await _rig.PresenceAsync("A-1");
        Assert.True(presence.Inside);
        Assert.Equal(2, presence.Entries);
        Assert.Equal(1, presence.Exits);
    }

    [Fact]
    public async Task Reentry_is_refused_for_a_ticket_type_without_reentry()
    {
        var token = _event.Register("D-1", TestEvent.DayPass);

        AssertReason(ScanReason.Admitted, await _rig.ScanAsync("main", token));
        AssertReason(ScanReason.Exited, await _rig.ScanAsync("main", token, ScanDirection.Exit));
        var reentry = await _rig.ScanAsync("main", token);

        AssertReason(ScanReason.ReentryNotAllowed, reentry);
        Assert.False(reentry.Passed);
        Assert.False((await _rig.PresenceAsync("D-1")).Inside);
        Assert.Equal(ScanReason.ReentryNotAllowed, _rig.Journal.Entries[^1].Reason);
    }

    [Fact]
    public async Task An_exit_scan_of_someone_outside_is_refused_as_not_inside()
    {
        var token = _event.Register("A-1");

        var exit = await _rig.ScanAsync("main", token, ScanDirection.Exit);

        AssertReason(ScanReason.NotInside, exit);
        Assert.False(exit.Passed);
        var entry = Assert.Single(_rig.Journal.Entries);
        Assert.Equal(("A-1", ScanDirection.Exit, ScanReason.NotInside), (entry.AttendeeId, entry.Direction, entry.Reason));
        Assert.Equal(0, (await _rig.PresenceAsync("A-1")).Exits);
    }

    [Fact]
    public async Task A_refusal_decided_at_the_gate_is_journaled_too()
    {
        var result = await _rig.ScanAsync("main", "not a badge", nonce: "n-x");

        AssertReason(ScanReason.Malformed, result);
        var entry = Assert.Single(_rig.Journal.Entries);
        Assert.Equal(("main", (string?)null, ScanReason.Malformed, "n-x"), (entry.GateId, entry.AttendeeId, entry.Reason, entry.Nonce));
        Assert.Equal(entry.Sequence, result.JournalSequence);
    }

    [Fact]
    public async Task A_failed_journal_append_leaves_the_attendee_outside_reaches_the_caller_and_the_next_scan_is_admitted()
    {
        var token = _event.Register("A-1");
        _rig.Journal.FailNext();

        await Assert.ThrowsAsync<JournalUnavailableException>(() => _rig.ScanAsync("main", token, nonce: "n-1"));

        var presence = await _rig.PresenceAsync("A-1");
        Assert.False(presence.Inside);
        Assert.Equal(0, presence.Entries);
        Assert.Empty(_rig.Journal.Entries);

        // The scanner retries the same nonce: nothing was answered, so nothing is remembered.
        var retry = await _rig.ScanAsync("main", token, nonce: "n-1");
        AssertReason(ScanReason.Admitted, retry);
        Assert.Single(_rig.Journal.Entries);
        Assert.True((await _rig.PresenceAsync("A-1")).Inside);
    }

    [Fact]
    public async Task A_failed_journal_append_of_a_refusal_reaches_the_caller_and_the_gate_keeps_working()
    {
        _rig.Journal.FailNext();

        await Assert.ThrowsAsync<JournalUnavailableException>(() => _rig.ScanAsync("main", "garbage"));

        AssertReason(ScanReason.Admitted, await _rig.ScanAsync("main", _event.Register("A-1")));
        var status = await _rig.Runtime.GetGrain<IGateGrain>("main").GetStatusAsync();
        Assert.Equal(1, status.Scans);
    }

    [Fact]
    public async Task A_repeated_nonce_returns_the_first_answer_without_a_second_journal_entry()
    {
        var token = _event.Register("A-1");
        var first = await _rig.ScanAsync("main", token, nonce: "n-1");

        var repeated = await _rig.ScanAsync("main", token, nonce: "n-1");

        Assert.Equal(first, repeated);
        Assert.Single(_rig.Journal.Entries);
        var presence = await _rig.PresenceAsync("A-1");
        Assert.True(presence.Inside);
        Assert.Equal(1, presence.Entries);
    }

    [Fact]
    public async Task A_nonce_used_again_for_the_other_direction_is_a_new_scan_not_a_retry()
    {
        // A scanner whose counter started again after a restart: the attendee who came in on n-1
        // leaves on n-1. Answering the exit with the entry's `admitted` would keep them inside.
        var token = _event.Register("A-1");
        AssertReason(ScanReason.Admitted, await _rig.ScanAsync("main", token, nonce: "n-1"));

        var exit = await _rig.ScanAsync("main", token, ScanDirection.Exit, nonce: "n-1");
        var exitRetried = await _rig.ScanAsync("main", token, ScanDirection.Exit, nonce: "n-1");
        var entryRetried = await _rig.ScanAsync("main", token, nonce: "n-1");

        AssertReason(ScanReason.Exited, exit);
        Assert.Equal(exit, exitRetried);
        AssertReason(ScanReason.Admitted, entryRetried);
        Assert.Equal(2, _rig.Journal.Entries.Count);
        var presence = await _rig.PresenceAsync("A-1");
        Assert.False(presence.Inside);
        Assert.Equal(1, presence.Exits);
    }

    [Fact]
    public async Task A_repeated_nonce_of_a_refusal_returns_the_first_refusal()
    {
        var first = await _rig.ScanAsync("main", "garbage", nonce: "n-1");

        var repeated = await _rig.ScanAsync("main", "garbage", nonce: "n-1");

        Assert.Equal(first, repeated);
        AssertReason(ScanReason.Malformed, repeated);
        Assert.Single(_rig.Journal.Entries);
    }

    [Fact]
    public async Task A_repeated_nonce_of_a_refusal_naming_an_attendee_returns_the_first_refusal_even_once_it_would_pass()
    {
        var token = _event.Register("A-1");
        var first = await _rig.ScanAsync("evening", token, nonce: "n-1"); // closed for another hour
        _rig.Time.Advance(TimeSpan.FromHours(1));

        var repeated = await _rig.ScanAsync("evening", token, nonce: "n-1");

        Assert.Equal(first, repeated);
        AssertReason(ScanReason.GateClosed, repeated);
        Assert.Single(_rig.Journal.Entries);
        Assert.False((await _rig.PresenceAsync("A-1")).Inside);
    }

    [Fact]
    public async Task The_gate_forgets_the_oldest_nonce_beyond_its_nonce_memory()
    {
        for (var i = 0; i <= GateState.NonceMemory; i++)
        {
            await _rig.ScanAsync("main", "garbage", nonce: $"n-{i}");
        }

        var journaled = _rig.Journal.Entries.Count;
        Assert.Equal(GateState.NonceMemory + 1, journaled);

        // The newest NonceMemory nonces are remembered: no new entry.
        await _rig.ScanAsync("main", "garbage", nonce: "n-1");
        await _rig.ScanAsync("main", "garbage", nonce: $"n-{GateState.NonceMemory}");
        Assert.Equal(journaled, _rig.Journal.Entries.Count);

        // The oldest was forgotten: it is scanned afresh.
        var forgotten = await _rig.ScanAsync("main", "garbage", nonce: "n-0");
        Assert.Equal(journaled + 1, _rig.Journal.Entries.Count);
        Assert.Equal(journaled + 1, forgotten.JournalSequence);
    }

    [Fact]
    public async Task Nonces_are_remembered_per_gate()
    {
        var token = _event.Register("A-1");
        AssertReason(ScanReason.Admitted, await _rig.ScanAsync("main", token, nonce: "n-1"));

        AssertReason(ScanReason.AlreadyInside, await _rig.ScanAsync("south", token, nonce: "n-1"));
        Assert.Equal(2, _rig.Journal.Entries.Count);
    }

    [Fact]
    public async Task A_gate_refuses_entry_as_gate_closed_before_it_opens_and_from_the_moment_it_closes_but_lets_people_out()
    {
        var token = _event.Register("A-1");

        var early = await _rig.ScanAsync("evening", token);
        AssertReason(ScanReason.GateClosed, early);
        Assert.Equal("A-1", _rig.Journal.Entries[^1].AttendeeId);
        Assert.False((await _rig.Runtime.GetGrain<IGateGrain>("evening").GetStatusAsync()).Open);

        _rig.Time.Advance(TimeSpan.FromHours(1));
        AssertReason(ScanReason.Admitted, await _rig.ScanAsync("evening", token));
        Assert.True((await _rig.Runtime.GetGrain<IGateGrain>("evening").GetStatusAsync()).Open);

        _rig.Time.Advance(TimeSpan.FromHours(9));
        AssertReason(ScanReason.GateClosed, await _rig.ScanAsync("evening", "garbage"));
        AssertReason(ScanReason.Exited, await _rig.ScanAsync("evening", token, ScanDirection.Exit));
        AssertReason(ScanReason.GateClosed, await _rig.ScanAsync("evening", token));
    }

    [Fact]
    public async Task The_servers_clock_decides_validity_not_the_scanners()
    {
        var token = _event.Register("A-1", validUntil: TestEvent.Unix(TestEvent.Now.AddHours(1)));

        // The scanner's clock is an hour behind: it thinks the badge is still valid.
        _rig.Time.Advance(TimeSpan.FromHours(2));
        var late = await _rig.ScanAsync("main", token, scannedAt: TestEvent.Now);

        AssertReason(ScanReason.NotValidNow, late);
        Assert.Equal(TestEvent.Now, _rig.Journal.Entries[^1].ScannedAt);
        Assert.Equal(TestEvent.Now.AddHours(2), _rig.Journal.Entries[^1].At);
    }

    [Fact]
    public async Task A_scanner_whose_clock_is_wrong_cannot_refuse_a_valid_badge()
    {
        var token = _event.Register("A-1", validUntil: TestEvent.Unix(TestEvent.Now.AddHours(1)));

        var result = await _rig.ScanAsync("main", token, scannedAt: TestEvent.Now.AddYears(5));

        AssertReason(ScanReason.Admitted, result);
    }

    [Fact]
    public async Task A_gate_counts_its_scans_by_reason()
    {
        var token = _event.Register("A-1");
        await _rig.ScanAsync("main", token);
        await _rig.ScanAsync("main", token);
        await _rig.ScanAsync("main", "garbage");
        await _rig.ScanAsync("main", token, ScanDirection.Exit);

        var status = await _rig.Runtime.GetGrain<IGateGrain>("main").GetStatusAsync();

        Assert.Equal(("main", "Main entrance", "hall-a", true), (status.GateId, status.Name, status.Zone, status.Open));
        Assert.Equal((4L, 1L, 1L, 2L), (status.Scans, status.Admitted, status.Exited, status.Refused));
        Assert.Equal(1, status.ByReason["already_inside"]);
        Assert.Equal(1, status.ByReason["malformed"]);
        Assert.Equal(TestEvent.Now, status.LastScanAt);
    }

    [Fact]
    public async Task A_scan_at_a_gate_this_edge_does_not_serve_is_refused_before_any_grain_is_involved()
    {
        var thrown = await Assert.ThrowsAsync<UnknownGateException>(() => _rig.ScanAsync("nowhere", "garbage"));

        Assert.Equal("nowhere", thrown.GateId);
        Assert.Empty(_rig.Journal.Entries);
        Assert.Equal(0, _rig.Runtime.ActivationCount);
    }
}
