namespace Venue.LoadHarness.Targets;

/// <summary>
/// Calibration, not a competitor: check-and-mark on an in-memory array (one interlocked exchange),
/// nothing stored. Its figures are the harness' own cost, the floor under every other target.
/// </summary>
internal sealed class HarnessFloorTarget : ICheckInTarget
{
    private int[] _inside = [];
    private long _journaled;

    public string Name => "harness-floor";

    public string Description => "in-memory check-and-mark (Interlocked.CompareExchange on an int[]), not durable: the harness' own overhead";

    public IReadOnlyList<string> Facts => ["in process", "no storage"];

    public Task StartAsync(TargetSetup setup, CancellationToken cancellationToken)
    {
        _inside = new int[setup.Ledger.Count];
        return Task.CompletedTask;
    }

    public Task ResetAsync(CancellationToken cancellationToken)
    {
        Array.Clear(_inside);
        Interlocked.Exchange(ref _journaled, 0);
        return Task.CompletedTask;
    }

    public Task<bool> CheckInAsync(int attendeeIndex, int gate, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _journaled);
        return Interlocked.CompareExchange(ref _inside[attendeeIndex], 1, 0) == 0 ? True : False;
    }

    public Task<TargetTally> TallyAsync(string phase, CancellationToken cancellationToken) =>
        Task.FromResult(new TargetTally(_inside.Count(i => i == 1), Interlocked.Read(ref _journaled)));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static readonly Task<bool> True = Task.FromResult(true);
    private static readonly Task<bool> False = Task.FromResult(false);
}
