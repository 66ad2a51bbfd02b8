using Venue.Domain.CheckIn;
using Venue.Runtime;

namespace Venue.Domain.Gates;

/// <summary>
/// A gate: its counters, and the answers to badges that name nobody. It is never held while a scan
/// is written to disk (<see cref="CheckInService"/> journals those refusals itself), so one busy
/// gate does not queue scans behind disk syncs: a rush of unreadable codes shares group commits.
/// </summary>
public sealed class GateGrain(GateCatalog gates) : Grain<GateState>, IGateGrain
{
    private GateDefinition _definition = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!gates.TryGet(Key, out _definition))
        {
            throw new UnknownGateException(Key);
        }

        return Task.CompletedTask;
    }

    public Task<ScanResult?> RecallRefusalAsync(ScanDirection direction, string nonce) =>
        Task.FromResult(State.TryGetNonce(direction, nonce, out var first) ? first : null);

    public async Task<ScanResult> RememberRefusalAsync(ScanDirection direction, ScanResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (State.TryGetNonce(direction, result.Nonce, out var first))
        {
            return first;
        }

        State.Remember(direction, result);
        State.Count(result);
        await WriteStateAsync();
        return result;
    }

    public Task RecordAsync(ScanResult result)
    {
        State.Count(result);
        return WriteStateAsync();
    }

    public Task<GateStatus> GetStatusAsync()
    {
        var byReason = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < State.ByReason.Length; i++)
        {
            if (State.ByReason[i] > 0)
            {
                byReason[((ScanReason)i).Code()] = State.ByReason[i];
            }
        }

        var admitted = State.ByReason[(int)ScanReason.Admitted];
        var exited = State.ByReason[(int)ScanReason.Exited];
        return Task.FromResult(new GateStatus(Key, _definition.Name, _definition.Zone, _definition.IsOpenAt(Time.GetUtcNow()),
            State.Scans, admitted, exited, State.Scans - admitted - exited, byReason, State.LastScanAt));
    }
}
