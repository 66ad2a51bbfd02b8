using Venue.Domain.Attendees;
using Venue.Domain.CheckIn;
using Venue.Domain.Gates;
using Venue.Domain.Journal;

namespace Venue.Domain.Tests.Attendees;

/// <summary>
/// Passages made at other edges reach an attendee's grain through central: last writer wins by
/// hybrid logical clock, against the attendee's own passages as much as against other remote ones.
/// </summary>
public sealed class RemotePassageTests : IDisposable
{
    private static readonly GateDefinition North = new("north", "North entrance", "hall-a");

    private readonly TestEvent _event = new();

    public void Dispose() => _event.Dispose();

    private static RemotePassage Remote(string attendee, ScanReason reason, long hlc, string gate = "south-1", string edge = "south") =>
        new(attendee, edge, gate, reason, hlc, TestEvent.Now.AddSeconds(hlc));

    private static JournalEntry Local(string attendee, ScanReason reason, long hlc, string gate = "north") =>
        new(gate, attendee, reason == ScanReason.Exited ? ScanDirection.Exit : ScanDirection.Entry, reason, $"n-{hlc}", TestEvent.Now, TestEvent.Now.AddSeconds(hlc))
        {
            Sequence = hlc,
            Hlc = hlc,
        };

    /// <summary>
    /// Cut off from the other edges: the attendee walks out here (refused as not_inside, since nothing
    /// here admitted them; tried twice at the lane, so the exit's clock value is above 1), then this
    /// edge hears of their admission elsewhere, stamped before that exit.
    /// </summary>
    private static async Task<(ScanResult Exit, RemoteOutcome Outcome)> OutHereThenAdmittedElsewhereEarlierAsync(CheckInRig rig, string badge)
    {
        await rig.ScanAsync("north", badge, ScanDirection.Exit);
        var exit = await rig.ScanAsync("north", badge, ScanDirection.Exit);
        var exitHlc = rig.Journal.Entries[^1].Hlc;
        Assert.True(exitHlc > 1, "the remote admission needs a positive clock value below the exit's");
        var outcome = await rig.Runtime.GetGrain<IAttendeeGrain>("A-1").ApplyRemoteAsync(Remote("A-1", ScanReason.Admitted, exitHlc - 1))
            .WithTimeout("the remote admission heard of after the exit");
        return (exit, outcome);
    }

    [Fact]
    public async Task An_admission_at_another_edge_makes_the_badge_already_inside_here()
    {
        var badge = _event.Register("A-1");
        await using var rig = new CheckInRig(_event, North);

        var applied = await rig.Runtime.GetGrain<IAttendeeGrain>("A-1").ApplyRemoteAsync(Remote("A-1", ScanReason.Admitted, hlc: 100))
            .WithTimeout("the remote admission");
        var scan = await rig.ScanAsync("north", badge);
        var presence = await rig.PresenceAsync("A-1");

        Assert.Equal(RemoteOutcome.Applied, applied);
        Assert.Equal((false, ScanReason.AlreadyInside), (scan.Passed, scan.Reason));
        Assert.Equal((true, 1, 0, "south-1"), (presence.Inside, presence.Entries, presence.Exits, presence.LastGate));
        Assert.Equal(TestEvent.Now.AddSeconds(100), presence.LastPassageAt);
    }

    [Fact]
    public async Task A_newer_exit_at_another_edge_lets_the_attendee_in_again_here()
    {
        var badge = _event.Register("A-1");
        await using var rig = new CheckInRig(_event, North);
        var first = await rig.ScanAsync("north", badge);
        var localHlc = rig.Journal.Entries.Single().Hlc;

        var applied = await rig.Runtime.GetGrain<IAttendeeGrain>("A-1").ApplyRemoteAsync(Remote("A-1", ScanReason.Exited, localHlc + 1))
            .WithTimeout("the remote exit");
        var outside = await rig.PresenceAsync("A-1");
        var again = await rig.ScanAsync("north", badge);

        Assert.Equal(ScanReason.Admitted, first.Reason);
        Assert.Equal(RemoteOutcome.Applied, applied);
        Assert.Equal((false, 1, 1), (outside.Inside, outside.Entries, outside.Exits));
        Assert.Equal(ScanReason.Admitted, again.Reason);
    }

    [Fact]
    public async Task A_remote_passage_older_than_a_local_one_changes_nothing()
    {
        var badge = _event.Register("A-1");
        await using var rig = new CheckInRig(_event, North);
        await rig.ScanAsync("north", badge);
        await rig.ScanAsync("north", badge, ScanDirection.Exit);
        var exitHlc = rig.Journal.Entries[^1].Hlc;

        // Admitted at the south entrance before the attendee left through the north one.
        var applied = await rig.Runtime.GetGrain<IAttendeeGrain>("A-1").ApplyRemoteAsync(Remote("A-1", ScanReason.Admitted, exitHlc - 1))
            .WithTimeout("the stale remote admission");
        var presence = await rig.PresenceAsync("A-1");

        Assert.Equal(RemoteOutcome.Ignored, applied);
        Assert.Equal((false, 1, 1, "north"), (presence.Inside, presence.Entries, presence.Exits, presence.LastGate));
    }

    [Fact]
    public void A_remote_passage_older_than_the_latest_remote_one_is_ignored_and_a_tie_is_too()
    {
        var state = new AttendeeState();

        var newer = AttendeeGrain.ApplyRemote(state, Remote("A-1", ScanReason.Admitted, hlc: 50, edge: "east"));
        var older = AttendeeGrain.ApplyRemote(state, Remote("A-1", ScanReason.Exited, hlc: 40, edge: "west"));
        var tie = AttendeeGrain.ApplyRemote(state, Remote("A-1", ScanReason.Exited, hlc: 50, edge: "west"));

        Assert.Equal((RemoteOutcome.Applied, RemoteOutcome.Ignored, RemoteOutcome.Ignored), (newer, older, tie));
        Assert.Equal((true, 1, 0, 50L), (state.Inside, state.Entries, state.Exits, state.LastPassageHlc));
    }

    [Fact]
    public void A_passage_delivered_twice_counts_once()
    {
        var state = new AttendeeState();
        var passage = Remote("A-1", ScanReason.Admitted, hlc: 7);

        Assert.Equal(RemoteOutcome.Applied, AttendeeGrain.ApplyRemote(state, passage));
        Assert.Equal(RemoteOutcome.Ignored, AttendeeGrain.ApplyRemote(state, passage));
        Assert.Equal(1, state.Entries);
    }

    [Fact]
    public void Only_admissions_and_exits_move_anyone()
    {
        var state = new AttendeeState();

        var applied = AttendeeGrain.ApplyRemote(state, Remote("A-1", ScanReason.AlreadyInside, hlc: 9));

        Assert.Equal(RemoteOutcome.Ignored, applied);
        Assert.Equal((false, 0, 0L), (state.Inside, state.Entries, state.LastPassageHlc));
    }

    [Fact]
    public async Task An_exit_refused_here_as_not_inside_outranks_an_older_admission_heard_of_later()
    {
        // Cut off from the other edges: admitted at south, then walked out through north, which had not heard of it.
        var badge = _event.Register("A-1");
        await using var rig = new CheckInRig(_event, North);
        var (exit, applied) = await OutHereThenAdmittedElsewhereEarlierAsync(rig, badge);
        var presence = await rig.PresenceAsync("A-1");
        var back = await rig.ScanAsync("north", badge);

        Assert.Equal(ScanReason.NotInside, exit.Reason);
        // It moves nobody (the exit is newer), but the badge has been used to get in.
        Assert.Equal(RemoteOutcome.NotedAdmission, applied);
        Assert.Equal((false, 1, 0), (presence.Inside, presence.Entries, presence.Exits));
        Assert.Equal(ScanReason.Admitted, back.Reason);
    }

    [Fact]
    public async Task A_single_entry_badge_admitted_elsewhere_and_let_out_here_as_not_inside_is_refused_reentry_here()
    {
        // Cut off: a day pass got in at south, then walked out through north, which refused the exit
        // as not_inside (nobody is kept in). Once the link heals north hears of the older admission.
        var badge = _event.Register("A-1");
        await using var rig = new CheckInRig(_event, North);
        var (exit, noted) = await OutHereThenAdmittedElsewhereEarlierAsync(rig, badge);
        var again = await rig.Runtime.GetGrain<IAttendeeGrain>("A-1")
            .ScanAsync(new AttendeeScan("north", ScanDirection.Entry, "n-again", TestEvent.Now, null, ReentryAllowed: false, null))
            .WithTimeout("the entry scan of a single-entry badge");

        Assert.Equal(ScanReason.NotInside, exit.Reason);
        Assert.Equal(RemoteOutcome.NotedAdmission, noted);
        // South refuses it too: without the noted admission north would have let the day pass in a second time.
        Assert.Equal(ScanReason.ReentryNotAllowed, again.Result.Reason);
    }

    [Fact]
    public void A_noted_admission_restored_after_the_journal_gives_the_state_the_live_order_gave_and_notes_once()
    {
        var live = new AttendeeState();
        AttendeeGrain.Apply(live, Local("A-1", ScanReason.NotInside, hlc: 30) with { Direction = ScanDirection.Exit });
        var first = AttendeeGrain.ApplyRemote(live, Remote("A-1", ScanReason.Admitted, hlc: 20));
        var second = AttendeeGrain.ApplyRemote(live, Remote("A-1", ScanReason.Admitted, hlc: 25, edge: "east"));

        var rebuilt = new AttendeeState();
        AttendeeGrain.Apply(rebuilt, Local("A-1", ScanReason.NotInside, hlc: 30) with { Direction = ScanDirection.Exit });
        AttendeeGrain.RestoreNotedAdmission(rebuilt, Remote("A-1", ScanReason.Admitted, hlc: 20));

        Assert.Equal((RemoteOutcome.NotedAdmission, RemoteOutcome.Ignored), (first, second));
        Assert.Equal((false, 1, 0, 30L), (live.Inside, live.Entries, live.Exits, live.LastPassageHlc));
        Assert.Equal((live.Inside, live.Entries, live.Exits, live.LastPassageHlc, live.LastGate), (rebuilt.Inside, rebuilt.Entries, rebuilt.Exits, rebuilt.LastPassageHlc, rebuilt.LastGate));

        // Let in again here after the note: a restart replays that admission before it restores the note, and counts both.
        AttendeeGrain.Apply(live, Local("A-1", ScanReason.Admitted, hlc: 40));
        var again = new AttendeeState();
        AttendeeGrain.Apply(again, Local("A-1", ScanReason.NotInside, hlc: 30) with { Direction = ScanDirection.Exit });
        AttendeeGrain.Apply(again, Local("A-1", ScanReason.Admitted, hlc: 40));
        AttendeeGrain.RestoreNotedAdmission(again, Remote("A-1", ScanReason.Admitted, hlc: 20));
        Assert.Equal((true, 2, 0, 40L), (live.Inside, live.Entries, live.Exits, live.LastPassageHlc));
        Assert.Equal((live.Inside, live.Entries, live.Exits, live.LastPassageHlc), (again.Inside, again.Entries, again.Exits, again.LastPassageHlc));
        // An older exit tells nothing new: it is not noted.
        Assert.Equal(RemoteOutcome.Ignored, AttendeeGrain.ApplyRemote(new AttendeeState { LastPassageHlc = 30 }, Remote("A-1", ScanReason.Exited, hlc: 20)));
    }

    [Fact]
    public void An_exit_refused_as_not_inside_at_another_edge_takes_the_attendee_out_here_without_counting_an_exit()
    {
        var state = new AttendeeState();
        AttendeeGrain.Apply(state, Local("A-1", ScanReason.Admitted, hlc: 20));

        // They walked out through the other edge, which had not heard of this admission.
        Assert.Equal(RemoteOutcome.Applied, AttendeeGrain.ApplyRemote(state, Remote("A-1", ScanReason.NotInside, hlc: 21)));

        Assert.Equal((false, 1, 0, 21L), (state.Inside, state.Entries, state.Exits, state.LastPassageHlc));
        Assert.Equal(RemoteOutcome.Ignored, AttendeeGrain.ApplyRemote(state, Remote("A-1", ScanReason.NotInside, hlc: 21)));
    }

    [Fact]
    public void A_restart_after_a_remote_exit_and_then_a_local_exit_refused_as_not_inside_leaves_the_attendee_out_as_live()
    {
        var live = new AttendeeState();
        AttendeeGrain.Apply(live, Local("A-1", ScanReason.Admitted, hlc: 10));
        AttendeeGrain.ApplyRemote(live, Remote("A-1", ScanReason.Exited, hlc: 20));
        AttendeeGrain.Apply(live, Local("A-1", ScanReason.NotInside, hlc: 30) with { Direction = ScanDirection.Exit });

        // A restart replays the journal first, then restores the remote passages applied before it.
        var rebuilt = new AttendeeState();
        AttendeeGrain.Apply(rebuilt, Local("A-1", ScanReason.Admitted, hlc: 10));
        AttendeeGrain.Apply(rebuilt, Local("A-1", ScanReason.NotInside, hlc: 30) with { Direction = ScanDirection.Exit });
        AttendeeGrain.RestoreRemote(rebuilt, Remote("A-1", ScanReason.Exited, hlc: 20));

        Assert.Equal((false, 1, 1, 30L), (live.Inside, live.Entries, live.Exits, live.LastPassageHlc));
        Assert.Equal((live.Inside, live.Entries, live.Exits, live.LastPassageHlc, live.LastGate), (rebuilt.Inside, rebuilt.Entries, rebuilt.Exits, rebuilt.LastPassageHlc, rebuilt.LastGate));
    }

    [Fact]
    public void Local_passages_set_the_clock_a_remote_one_must_beat_and_refusals_do_not()
    {
        var state = new AttendeeState();

        AttendeeGrain.Apply(state, Local("A-1", ScanReason.Admitted, hlc: 20));
        AttendeeGrain.Apply(state, Local("A-1", ScanReason.AlreadyInside, hlc: 30));

        Assert.Equal(20L, state.LastPassageHlc);
        Assert.Equal(RemoteOutcome.Ignored, AttendeeGrain.ApplyRemote(state, Remote("A-1", ScanReason.Exited, hlc: 19)));
        Assert.Equal(RemoteOutcome.Applied, AttendeeGrain.ApplyRemote(state, Remote("A-1", ScanReason.Exited, hlc: 21)));
        Assert.False(state.Inside);
    }

    [Fact]
    public void Restoring_applied_remote_passages_after_the_journal_gives_the_state_the_live_order_gave()
    {
        // Live: the journal's clock observes each remote passage before it is applied, so whatever is
        // applied arrives in HLC order: local 10, remote 20 (applied), local 30, remote 25 (too old).
        var live = new AttendeeState();
        AttendeeGrain.Apply(live, Local("A-1", ScanReason.Admitted, hlc: 10));
        var exitApplied = AttendeeGrain.ApplyRemote(live, Remote("A-1", ScanReason.Exited, hlc: 20));
        AttendeeGrain.Apply(live, Local("A-1", ScanReason.Admitted, hlc: 30));
        var staleApplied = AttendeeGrain.ApplyRemote(live, Remote("A-1", ScanReason.Exited, hlc: 25));

        // Restart: the whole journal first, then the remote passages that had applied.
        var rebuilt = new AttendeeState();
        AttendeeGrain.Apply(rebuilt, Local("A-1", ScanReason.Admitted, hlc: 10));
        AttendeeGrain.Apply(rebuilt, Local("A-1", ScanReason.Admitted, hlc: 30));
        AttendeeGrain.RestoreRemote(rebuilt, Remote("A-1", ScanReason.Exited, hlc: 20));

        Assert.Equal((RemoteOutcome.Applied, RemoteOutcome.Ignored), (exitApplied, staleApplied));
        Assert.Equal(
            (live.Inside, live.Entries, live.Exits, live.LastGate, live.LastPassageAt, live.LastPassageHlc),
            (rebuilt.Inside, rebuilt.Entries, rebuilt.Exits, rebuilt.LastGate, rebuilt.LastPassageAt, rebuilt.LastPassageHlc));
        Assert.Equal((true, 2, 1, 30L), (rebuilt.Inside, rebuilt.Entries, rebuilt.Exits, rebuilt.LastPassageHlc));
    }

    [Fact]
    public void A_restored_remote_passage_newer_than_the_journal_decides_where_the_attendee_is()
    {
        var rebuilt = new AttendeeState();
        AttendeeGrain.Apply(rebuilt, Local("A-1", ScanReason.Admitted, hlc: 10));

        AttendeeGrain.RestoreRemote(rebuilt, Remote("A-1", ScanReason.Exited, hlc: 40, gate: "south-2"));

        Assert.Equal((false, 1, 1, "south-2", 40L), (rebuilt.Inside, rebuilt.Entries, rebuilt.Exits, rebuilt.LastGate, rebuilt.LastPassageHlc));
    }
}
