using Venue.Domain.Attendees;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Domain.Ledger;
using Venue.Runtime;

namespace Venue.Domain.Gates;

/// <summary>
/// A gate: remembers recent nonces, validates badges and asks the attendee's grain to admit or let
/// out. Refusals decided here (before any attendee is involved) are journaled here.
/// </summary>
public sealed class GateGrain(GateCatalog gates, AttendeeLedger ledger, ICheckInJournal journal) : Grain<GateState>, IGateGrain
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

    public async Task<ScanResult> ScanAsync(ScanRequest request)
    {
        if (State.TryGetNonce(request.Nonce, out var first))
        {
            return first;
        }

        var now = Time.GetUtcNow();
        var verdict = _definition.IsOpenAt(now)
            ? BadgeValidator.Validate(request.Token, _definition, ledger, now)
            : BadgeVerdict.Refuse(ScanReason.GateClosed);

        ScanResult result;
        if (verdict.Refusal is { } refusal)
        {
            var entry = await journal.AppendAsync(new JournalEntry(Key, verdict.AttendeeId, request.Direction, refusal,
                request.Nonce, request.ScannedAt, now));
            result = new ScanResult(false, refusal, verdict.Attendee, Key, entry.At, request.Nonce, entry.Sequence);
        }
        else
        {
            result = await GrainFactory.GetGrain<IAttendeeGrain>(verdict.AttendeeId!)
                .PassAsync(new PassageRequest(Key, request.Direction, request.Nonce, request.ScannedAt, verdict.Reentry, verdict.Attendee!));
        }

        State.Record(result);
        await WriteStateAsync();
        return result;
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
