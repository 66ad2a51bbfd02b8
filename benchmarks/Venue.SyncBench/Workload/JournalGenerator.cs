using Venue.Domain.CheckIn;
using Venue.Domain.Journal;

namespace Venue.SyncBench.Workload;

/// <summary>
/// One edge's journal as a gate cluster writes it, for the ingest and export scenarios: mostly
/// admissions of attendees seen for the first time, then re-presented badges (already inside), exits,
/// unknown tickets and tickets refused at the gate. Sequences from 1, one entry per millisecond ending
/// at <c>lastAt</c>, hybrid logical clock from the time, random 22-character nonces, 40 gates.
/// Attendee ids are distinct across edges. Deterministic for a seed.
/// </summary>
internal sealed class JournalGenerator(int edgeIndex, int seed)
{
    /// <summary>Shares of the mix, cumulative: admitted, already inside, exited, unknown ticket; the rest not allowed here.</summary>
    private const double Admitted = 0.86, AlreadyInside = 0.92, Exited = 0.95, UnknownTicket = 0.98;

    public static string EdgeId(int edgeIndex) => $"edge-{edgeIndex + 1:D2}";

    /// <summary>Entries 1..<paramref name="count"/>, in order.</summary>
    public IEnumerable<JournalEntry> Entries(long count, DateTimeOffset lastAt)
    {
        var random = new Random(HashCode.Combine(seed, edgeIndex));
        var inside = new List<string>();
        var nonce = new byte[16];
        long fresh = 0;
        var first = lastAt.AddMilliseconds(-count);
        for (long i = 0; i < count; i++)
        {
            var at = first.AddMilliseconds(i + 1);
            var draw = random.NextDouble();
            string? attendee;
            ScanReason reason;
            var direction = ScanDirection.Entry;
            if (draw < Admitted || (draw < Exited && inside.Count == 0))
            {
                attendee = NewAttendee(ref fresh);
                reason = ScanReason.Admitted;
                inside.Add(attendee);
            }
            else if (draw < AlreadyInside)
            {
                attendee = inside[random.Next(inside.Count)];
                reason = ScanReason.AlreadyInside;
            }
            else if (draw < Exited)
            {
                var index = random.Next(inside.Count);
                attendee = inside[index];
                inside[index] = inside[^1];
                inside.RemoveAt(inside.Count - 1);
                reason = ScanReason.Exited;
                direction = ScanDirection.Exit;
            }
            else if (draw < UnknownTicket)
            {
                attendee = null;
                reason = ScanReason.UnknownTicket;
            }
            else
            {
                attendee = NewAttendee(ref fresh);
                reason = ScanReason.NotAllowedHere;
            }

            random.NextBytes(nonce);
            yield return new JournalEntry(
                $"G{random.Next(1, 41):D2}",
                attendee,
                direction,
                reason,
                Convert.ToBase64String(nonce).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
                at.AddMilliseconds(-random.Next(5, 40)),
                at)
            {
                Sequence = i + 1,
                Hlc = at.ToUnixTimeMilliseconds() << 16,
                TicketType = attendee is null ? null : "general",
            };
        }
    }

    /// <summary>Cuts entries into upload batches of a random size between <paramref name="min"/> and <paramref name="max"/>.</summary>
    public static IEnumerable<List<JournalEntry>> Batches(IEnumerable<JournalEntry> entries, int min, int max, int seed)
    {
        var random = new Random(seed);
        var size = random.Next(min, max + 1);
        var batch = new List<JournalEntry>(size);
        foreach (var entry in entries)
        {
            batch.Add(entry);
            if (batch.Count == size)
            {
                yield return batch;
                size = random.Next(min, max + 1);
                batch = new List<JournalEntry>(size);
            }
        }

        if (batch.Count > 0)
        {
            yield return batch;
        }
    }

    private string NewAttendee(ref long fresh) => $"A{edgeIndex:D2}{fresh++:D7}";
}
