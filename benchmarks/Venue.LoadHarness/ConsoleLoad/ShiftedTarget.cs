using Venue.LoadHarness.Targets;

namespace Venue.LoadHarness.ConsoleLoad;

/// <summary>
/// Hands the phase's checks to the edge with attendee i presented as attendee <see cref="Offset"/> + i,
/// and logs each send. Every level of the console benchmark replays the same workload on one running
/// edge; shifting it onto attendees no earlier level used gives every level the same mix of admissions
/// and repeats, instead of a second level refused wholesale as already inside.
/// </summary>
internal sealed class ShiftedTarget(ICheckInTarget inner, SendLog log) : ICheckInTarget
{
    public int Offset { get; set; }

    public string Name => inner.Name;

    public string Description => inner.Description;

    public IReadOnlyList<string> Facts => inner.Facts;

    public Task StartAsync(TargetSetup setup, CancellationToken cancellationToken) => inner.StartAsync(setup, cancellationToken);

    public Task ResetAsync(CancellationToken cancellationToken) => inner.ResetAsync(cancellationToken);

    public Task<bool> CheckInAsync(int attendeeIndex, int gate, CancellationToken cancellationToken)
    {
        var attendee = Offset + attendeeIndex;
        log.Sent(attendee, gate);
        return inner.CheckInAsync(attendee, gate, cancellationToken);
    }

    public Task<TargetTally> TallyAsync(string phase, CancellationToken cancellationToken) => inner.TallyAsync(phase, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
