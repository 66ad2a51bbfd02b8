namespace Venue.LoadHarness.Targets;

/// <summary>Stands for a target that cannot run in this build; the harness reports it as skipped.</summary>
internal sealed class UnavailableTarget(string name, string reason) : ICheckInTarget
{
    public string Name => name;

    public string Description => "cannot run in this build";

    public IReadOnlyList<string> Facts => [];

    public Task StartAsync(TargetSetup setup, CancellationToken cancellationToken) => throw new TargetUnavailableException(reason);

    public Task ResetAsync(CancellationToken cancellationToken) => throw new TargetUnavailableException(reason);

    public Task<bool> CheckInAsync(int attendeeIndex, int gate, CancellationToken cancellationToken) =>
        throw new TargetUnavailableException(reason);

    public Task<TargetTally> TallyAsync(string phase, CancellationToken cancellationToken) => throw new TargetUnavailableException(reason);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
