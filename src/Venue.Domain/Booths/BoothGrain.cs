using Venue.Domain.Layout;
using Venue.Domain.Leaderboards;
using Venue.Domain.Telemetry;
using Venue.Runtime;
using Venue.Runtime.Streams;

namespace Venue.Domain.Booths;

public sealed class BoothGrain(VenueLayout layout) : Grain<BoothState>, IBoothGrain
{
    private BoothDefinition _booth = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!layout.TryGetBooth(Key, out _booth))
        {
            throw new UnknownBoothException(Key);
        }

        return Task.CompletedTask;
    }

    public async Task<LeadCaptureResult> CaptureLeadAsync(LeadCapture capture)
    {
        ArgumentNullException.ThrowIfNull(capture);
        if (capture.Problem() is { } problem)
        {
            return new LeadCaptureResult(LeadCaptureOutcome.Rejected, null, problem);
        }

        var updated = State.Leads.TryGetValue(capture.AttendeeId, out var before);
        // The latest capture by its time decides rating and notes, whatever order captures arrive in:
        // a retry of an earlier one after a later one (a booth app that timed out) changes nothing, and
        // a restart's replay in journal order ends where the live captures did.
        var lead = before is null
            ? new BoothLead(capture.AttendeeId, capture.Rating, capture.Notes, capture.At, capture.At)
            : capture.At < before.LastCapturedAt
                ? before with { FirstCapturedAt = capture.At < before.FirstCapturedAt ? capture.At : before.FirstCapturedAt }
                : before with
                {
                    Rating = capture.Rating ?? before.Rating,
                    Notes = capture.Notes ?? before.Notes,
                    LastCapturedAt = capture.At,
                };
        State.Leads[capture.AttendeeId] = lead;
        if (!updated)
        {
            State.LeadOrder.Add(capture.AttendeeId);
            State.Score += layout.Points.Booth;
        }

        await WriteStateAsync();
        try
        {
            await Streams.GetStream<LeadCaptured>(new StreamId(TelemetryStreams.Leads, Key))
                .OnNextAsync(new LeadCaptured(Key, capture.AttendeeId, lead.Rating, lead.Notes, updated, capture.At));
        }
        finally
        {
            // Paid on every capture of the lead, not only its first: awards are idempotent by reason, so
            // nothing pays twice, and a capture whose turn failed half-way is paid by the booth app's retry.
            if (layout.Points.Booth > 0)
            {
                await GrainFactory.GetGrain<ILeaderboardGrain>(LeaderboardNames.Attendees)
                    .AddPointsAsync(capture.AttendeeId, layout.Points.Booth, LeaderboardNames.BoothReason(Key));
                await GrainFactory.GetGrain<ILeaderboardGrain>(LeaderboardNames.Booths)
                    .AddPointsAsync(Key, layout.Points.Booth, LeaderboardNames.LeadReason(capture.AttendeeId));
            }
        }

        return new LeadCaptureResult(updated ? LeadCaptureOutcome.Updated : LeadCaptureOutcome.Captured, lead);
    }

    public Task RecordVisitAsync(string attendeeId, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(attendeeId);
        State.Visits++;
        State.Visitors.Add(attendeeId);
        return WriteStateAsync();
    }

    public Task<IReadOnlyList<BoothLead>> GetLeadsAsync() =>
        Task.FromResult<IReadOnlyList<BoothLead>>([.. State.LeadOrder.Select(id => State.Leads[id])]);

    public Task<BoothStatus> GetStatusAsync() =>
        Task.FromResult(new BoothStatus(Key, _booth.Name, _booth.Exhibitor, _booth.Zone, State.Leads.Count, State.Visits,
            State.Visitors.Count, State.Score));
}
