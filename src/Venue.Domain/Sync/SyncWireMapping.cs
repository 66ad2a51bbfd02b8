using Venue.Domain.CheckIn;
using Venue.Domain.Journal;

namespace Venue.Domain.Sync;

/// <summary>Between journal entries and their venue-sync/1 wire form.</summary>
public static class SyncWireMapping
{
    public const int MaxIdLength = 128;

    public static JournalEntryWire ToWire(this JournalEntry e) => new(
        e.Sequence, e.Hlc, e.At, e.ScannedAt, e.GateId, e.AttendeeId, e.TicketType,
        e.Direction == ScanDirection.Entry ? "entry" : "exit", e.Reason.Code(), e.Nonce);

    /// <summary>Reads a wire entry, or says in one line what is wrong with it (nothing is half-read).</summary>
    public static bool TryFromWire(JournalEntryWire? w, out JournalEntry entry, out string? problem)
    {
        entry = null!;
        if (w is null)
        {
            problem = "an entry is null";
            return false;
        }

        var direction = w.Direction switch
        {
            "entry" => ScanDirection.Entry,
            "exit" => ScanDirection.Exit,
            _ => (ScanDirection?)null,
        };
        ScanReason? reason = ScanReasons.TryParse(w.Reason, out var known) ? known : null;
        problem = ProblemOf(w.Seq, w.Hlc, w.Gate, w.Attendee, w.Nonce, direction, w.Direction, reason, w.Reason);
        if (problem is not null)
        {
            return false;
        }

        entry = new JournalEntry(w.Gate!, w.Attendee, direction!.Value, reason!.Value, w.Nonce!, w.ScannedAt, w.At)
        {
            Sequence = w.Seq,
            Hlc = w.Hlc,
            TicketType = w.TicketType,
        };
        return true;
    }

    /// <summary>
    /// What is wrong with an entry's fields, in one line, or null. Shared by <see cref="TryFromWire"/> and
    /// <see cref="JournalBatchReader"/> so both refuse the same entries with the same words. A null
    /// <paramref name="direction"/> or <paramref name="reason"/> means its code (quoted in the problem) is unknown.
    /// </summary>
    internal static string? ProblemOf(long seq, long hlc, string? gate, string? attendee, string? nonce,
        ScanDirection? direction, string? directionCode, ScanReason? reason, string? reasonCode)
    {
        if (seq <= 0)
        {
            return $"seq {seq} is not positive";
        }

        if (hlc <= 0)
        {
            return $"entry {seq}: hlc must be positive";
        }

        if (hlc > HybridLogicalClock.MaxPlausible)
        {
            return $"entry {seq}: hlc {hlc} reads as {HybridLogicalClock.ToTime(hlc):yyyy-MM-dd}, after the year 3000; check the edge's clock";
        }

        if (string.IsNullOrEmpty(gate))
        {
            return $"entry {seq}: gate is missing";
        }

        if (nonce is null)
        {
            return $"entry {seq}: nonce is missing";
        }

        if (attendee is { Length: 0 })
        {
            // Left out when the badge named nobody; an empty id would be a grain key nobody can hold.
            return $"entry {seq}: attendee is empty (leave it out when the badge named nobody)";
        }

        if (gate.Length > MaxIdLength || attendee?.Length > MaxIdLength || nonce.Length > MaxIdLength)
        {
            return $"entry {seq}: an id is longer than {MaxIdLength} characters";
        }

        if (direction is null)
        {
            return $"entry {seq}: direction '{directionCode}' is not entry or exit";
        }

        return reason is null ? $"entry {seq}: reason '{reasonCode}' is not a known code" : null;
    }
}
