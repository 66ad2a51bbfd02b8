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

        problem = w switch
        {
            { Seq: <= 0 } => $"seq {w.Seq} is not positive",
            { Hlc: <= 0 } => $"entry {w.Seq}: hlc must be positive",
            { Gate: null or "" } => $"entry {w.Seq}: gate is missing",
            { Nonce: null } => $"entry {w.Seq}: nonce is missing",
            _ when w.Gate.Length > MaxIdLength || w.Attendee?.Length > MaxIdLength || w.Nonce.Length > MaxIdLength
                => $"entry {w.Seq}: an id is longer than {MaxIdLength} characters",
            { Direction: not ("entry" or "exit") } => $"entry {w.Seq}: direction '{w.Direction}' is not entry or exit",
            _ when !ScanReasons.TryParse(w.Reason, out _) => $"entry {w.Seq}: reason '{w.Reason}' is not a known code",
            _ => null,
        };
        if (problem is not null)
        {
            return false;
        }

        ScanReasons.TryParse(w.Reason, out var reason);
        var direction = w.Direction == "entry" ? ScanDirection.Entry : ScanDirection.Exit;
        entry = new JournalEntry(w.Gate!, w.Attendee, direction, reason, w.Nonce!, w.ScannedAt, w.At)
        {
            Sequence = w.Seq,
            Hlc = w.Hlc,
            TicketType = w.TicketType,
        };
        return true;
    }
}
