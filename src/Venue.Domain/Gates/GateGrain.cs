using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Runtime;

namespace Venue.Domain.Gates;

/// <summary>
/// A gate: its counters, and the refusals of badges that name nobody. It is never held while an
/// attendee's scan is written to disk, so one busy gate does not queue scans behind disk syncs.
/// </summary>
public sealed class GateGrain(GateCatalog gates, ICheckInJournal journal) : Grain<GateState>, IGateGrain
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

    public async Task<ScanResult> RefuseAsync(ScanRequest request, ScanReason reason)
    {
        if (State.TryGetNonce(request.Nonce, out var first))
        {
            return first;
        }

        var entry = await journal.AppendAsync(new JournalEntry(Key, null, request.Direction, reason,
            request.Nonce, request.ScannedAt, Time.GetUtcNow()));
        var result = new ScanResult(false, reason, null, Key, entry.At, request.Nonce, entry.Sequence);
        State.Remember(result);
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
