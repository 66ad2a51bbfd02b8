using Venue.Domain.Booths;
using Venue.Domain.Leaderboards;

namespace Venue.Domain.Tests.Booths;

public sealed class BoothGrainTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = TelemetryRig.Start;

    private readonly TelemetryRig _rig = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _rig.DisposeAsync();

    [Fact]
    public async Task A_first_lead_capture_counts_and_awards_booth_points_to_the_attendee_and_the_booth()
    {
        var result = await _rig.Booth("B1").CaptureLeadAsync(new LeadCapture("A-1", 4, "wants a demo", T0));

        Assert.Equal(LeadCaptureOutcome.Captured, result.Outcome);
        Assert.Equal(new LeadEntry("A-1", 15), await Score(LeaderboardNames.Attendees, "A-1"));
        Assert.Equal(new LeadEntry("B1", 15), await Score(LeaderboardNames.Booths, "B1"));
        var status = await _rig.Booth("B1").GetStatusAsync();
        Assert.Equal(1, status.Leads);
        Assert.Equal(15, status.Score);
        var published = Assert.Single(_rig.Leads.Items);
        Assert.Equal(new Telemetry.LeadCaptured("B1", "A-1", 4, "wants a demo", false, T0), published);
    }

    [Fact]
    public async Task A_second_lead_capture_updates_and_does_not_count_twice()
    {
        await _rig.Booth("B1").CaptureLeadAsync(new LeadCapture("A-1", 3, "maybe", T0));

        var second = await _rig.Booth("B1").CaptureLeadAsync(new LeadCapture("A-1", 5, null, T0.AddMinutes(10)));

        Assert.Equal(LeadCaptureOutcome.Updated, second.Outcome);
        Assert.Equal(new BoothLead("A-1", 5, "maybe", T0, T0.AddMinutes(10)), second.Lead);
        Assert.Equal([second.Lead!], await _rig.Booth("B1").GetLeadsAsync());
        Assert.Equal(1, (await _rig.Booth("B1").GetStatusAsync()).Leads);
        Assert.Equal(new LeadEntry("A-1", 15), await Score(LeaderboardNames.Attendees, "A-1"));
        Assert.Equal(new LeadEntry("B1", 15), await Score(LeaderboardNames.Booths, "B1"));
        Assert.Equal([false, true], _rig.Leads.Items.Select(l => l.Updated));
    }

    [Fact]
    public async Task An_earlier_capture_arriving_after_a_later_one_changes_neither_rating_nor_notes()
    {
        var booth = _rig.Booth("B1");
        await booth.CaptureLeadAsync(new LeadCapture("A-1", 4, "wants a demo", T0));
        await booth.CaptureLeadAsync(new LeadCapture("A-1", 2, "not interested", T0.AddMinutes(1)));

        // The first capture retried (its answer was lost), and one from a device whose clock runs behind.
        var retried = await booth.CaptureLeadAsync(new LeadCapture("A-1", 4, "wants a demo", T0));
        await booth.CaptureLeadAsync(new LeadCapture("A-1", 5, "from the slow clock", T0.AddMinutes(-5)));

        Assert.Equal(LeadCaptureOutcome.Updated, retried.Outcome);
        Assert.Equal([new BoothLead("A-1", 2, "not interested", T0.AddMinutes(-5), T0.AddMinutes(1))], await booth.GetLeadsAsync());
    }

    [Fact]
    public async Task The_same_attendee_earns_booth_points_at_each_booth_once()
    {
        await _rig.Booth("B1").CaptureLeadAsync(new LeadCapture("A-1", null, null, T0));
        await _rig.Booth("B2").CaptureLeadAsync(new LeadCapture("A-1", null, null, T0));

        Assert.Equal(new LeadEntry("A-1", 30), await Score(LeaderboardNames.Attendees, "A-1"));
    }

    [Theory]
    [InlineData(0, null, "Rating must be 1 to 5, was 0.")]
    [InlineData(6, null, "Rating must be 1 to 5, was 6.")]
    [InlineData(null, 1001, "Notes may be at most 1000 characters, were 1001.")]
    public async Task An_invalid_capture_is_rejected_and_changes_nothing(int? rating, int? notesLength, string problem)
    {
        var notes = notesLength is { } n ? new string('x', n) : null;

        var result = await _rig.Booth("B1").CaptureLeadAsync(new LeadCapture("A-1", rating, notes, T0));

        Assert.Equal(new LeadCaptureResult(LeadCaptureOutcome.Rejected, null, problem), result);
        Assert.Empty(await _rig.Booth("B1").GetLeadsAsync());
        Assert.Empty(_rig.Leads.Items);
    }

    [Fact]
    public async Task Entering_the_booths_zone_counts_visits_and_distinct_visitors()
    {
        await _rig.MoveAsync("A-1", null, "acme-stand", T0);
        await _rig.MoveAsync("A-1", "acme-stand", "hall-a", T0.AddMinutes(1));
        await _rig.MoveAsync("A-1", "hall-a", "acme-stand", T0.AddMinutes(2));
        await _rig.MoveAsync("A-2", null, "acme-stand", T0.AddMinutes(3));

        var status = await _rig.Booth("B1").GetStatusAsync();

        Assert.Equal(3, status.Visits);
        Assert.Equal(2, status.DistinctVisitors);
        Assert.Equal(0, (await _rig.Booth("B2").GetStatusAsync()).Visits);
    }

    private async Task<LeadEntry?> Score(string board, string id) =>
        await _rig.Board(board).GetRankAsync(id) is { } e ? new LeadEntry(e.Id, e.Score) : null;

    private sealed record LeadEntry(string Id, long Score);
}
