using System.Collections.Concurrent;
using Venue.Domain.Attendees;
using Venue.Domain.Gates;
using Venue.Domain.Journal;
using Venue.Domain.Ledger;
using Venue.Runtime;

namespace Venue.Domain.CheckIn;

/// <summary>
/// The front of check-in (Orleans would make it a stateless worker): validates the badge on the
/// caller's thread, then sends the scan to the grain that owns its state. A badge naming an
/// attendee goes to that attendee's grain, which serializes every scan of it, remembers its nonces
/// and journals it. A badge naming nobody is journaled here, outside any grain, so refusals at one
/// gate share group commits; the gate's grain remembers their nonces and counts them. Neither grain
/// holds a gate while a scan is written to disk.
/// </summary>
public sealed class CheckInService(IGrainFactory grains, GateCatalog gates, AttendeeLedger ledger, ICheckInJournal journal, TimeProvider time)
{
    /// <summary>
    /// Refusals being journaled, by gate, direction and nonce: a retry that arrives meanwhile waits for
    /// the first instead of journaling the scan twice. An entry leaves once the gate remembers the answer.
    /// </summary>
    private readonly ConcurrentDictionary<(string Gate, ScanDirection Direction, string Nonce), Lazy<Task<ScanResult>>> _refusing = new();

    /// <summary>Scans a badge at a gate. Throws <see cref="UnknownGateException"/> for a gate not served here.</summary>
    public async Task<ScanResult> ScanAsync(string gateId, ScanRequest request) => (await ScanOrRetryAsync(gateId, request)).Result;

    /// <summary>
    /// The same, saying whether the scan was a retry answered from memory (<see cref="AttendeeScanOutcome.Replayed"/>):
    /// what follows an admission (moving the attendee into the gate's zone) must not happen twice.
    /// </summary>
    public async Task<AttendeeScanOutcome> ScanOrRetryAsync(string gateId, ScanRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!gates.TryGet(gateId, out var gate))
        {
            throw new UnknownGateException(gateId);
        }

        var now = time.GetUtcNow();
        var verdict = BadgeValidator.Validate(request.Token, gate, ledger, now, request.Direction);
        // A closed gate refuses every entry; whoever a genuine badge names is still recorded. Exits stay open.
        var refusal = request.Direction == ScanDirection.Entry && !gate.IsOpenAt(now) ? ScanReason.GateClosed : verdict.Refusal;

        if (verdict.AttendeeId is not { } attendeeId)
        {
            // Never a passage, so whether it was a retry matters to nobody.
            return new AttendeeScanOutcome(await RefuseAsync(gateId, request, refusal ?? ScanReason.UnknownTicket), Replayed: false);
        }

        var outcome = await grains.GetGrain<IAttendeeGrain>(attendeeId).ScanAsync(
            new AttendeeScan(gateId, request.Direction, request.Nonce, request.ScannedAt, refusal, verdict.Reentry, verdict.Attendee));
        if (!outcome.Replayed)
        {
            Count(gateId, outcome.Result);
        }

        return outcome;
    }

    private async Task<ScanResult> RefuseAsync(string gateId, ScanRequest request, ScanReason reason)
    {
        var key = (gateId, request.Direction, request.Nonce);
        var refusing = _refusing.GetOrAdd(key, _ => new Lazy<Task<ScanResult>>(() => JournalRefusalAsync(gateId, request, reason)));
        try
        {
            return await refusing.Value;
        }
        finally
        {
            // The gate remembers the answer by now (or the journal failed, and a retry may try again).
            _refusing.TryRemove(new KeyValuePair<(string, ScanDirection, string), Lazy<Task<ScanResult>>>(key, refusing));
        }
    }

    private async Task<ScanResult> JournalRefusalAsync(string gateId, ScanRequest request, ScanReason reason)
    {
        var gate = grains.GetGrain<IGateGrain>(gateId);
        if (await gate.RecallRefusalAsync(request.Direction, request.Nonce) is { } first)
        {
            return first;
        }

        var entry = await journal.AppendAsync(new JournalEntry(gateId, null, request.Direction, reason, request.Nonce, request.ScannedAt, time.GetUtcNow()));
        return await gate.RememberRefusalAsync(request.Direction, new ScanResult(false, reason, null, gateId, entry.At, request.Nonce, entry.Sequence));
    }

    /// <summary>
    /// One-way: later calls to the gate queue behind this one, so a status read after the answer sees
    /// it counted. The scan is journaled by now, so nothing here may turn its answer into an error: a
    /// call failing because the silo is stopping fails its own (ignored) task, and gate counters are
    /// rebuilt from the journal on the next start.
    /// </summary>
    private void Count(string gateId, ScanResult result) => _ = grains.GetGrain<IGateGrain>(gateId).RecordAsync(result);
}
