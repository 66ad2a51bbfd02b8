using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;

namespace Venue.Central.Tests.Reliability;

/// <summary>
/// Central's copy of the edges' journals checked against the journals themselves (read from the
/// edges' disks): every entry there exactly once, and the people inside as the journals say,
/// each counted once however many edges admitted them.
/// </summary>
public static class CentralCopy
{
    public static async Task AssertHoldsEveryEntryOnceAsync(ICentralStore store, IReadOnlyDictionary<string, IReadOnlyList<JournalEntry>> journals)
    {
        var stored = new List<StoredCheckIn>();
        await foreach (var checkIn in store.StreamCheckInsAsync(0, passagesOnly: false))
        {
            stored.Add(checkIn);
        }

        var totals = await store.GetTotalsAsync();
        foreach (var (edge, journal) in journals)
        {
            Assert.True(journal.Count > 0, $"{edge} journaled nothing: the test drove no traffic there");
            var last = journal[^1].Sequence;
            Assert.True(last == journal.Count, $"{edge}'s journal has {journal.Count} entries but ends at seq {last}");

            var held = stored.Where(c => c.EdgeId == edge).ToList();
            var heldTwice = held.GroupBy(c => c.Entry.Sequence).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(heldTwice.Count == 0, $"central holds these seqs of {edge} more than once: {string.Join(", ", heldTwice.Take(20))}");
            Assert.True(journal.Count == totals.ByEdge.GetValueOrDefault(edge),
                $"{edge}: {journal.Count} entries journaled, central counts {totals.ByEdge.GetValueOrDefault(edge)}");
            Assert.True(journal.Count == held.Count, $"{edge}: {journal.Count} entries journaled, central holds {held.Count}");
            Assert.Equal(last, held.Max(c => c.Entry.Sequence));
            Assert.Equal(last, await store.GetContiguousSequenceAsync(edge));

            // The very entries: same scan, same answer, same clock.
            var expected = journal.Select(Fingerprint).ToHashSet();
            var actual = held.Select(c => Fingerprint(c.Entry)).ToHashSet();
            var missing = expected.Except(actual).Take(10).ToList();
            var unexpected = actual.Except(expected).Take(10).ToList();
            Assert.True(missing.Count == 0 && unexpected.Count == 0,
                $"{edge}: central's entries differ from the journal. Missing at central: {string.Join("; ", missing)}. Not in the journal: {string.Join("; ", unexpected)}");
        }

        Assert.Equal(journals.Values.Sum(j => (long)j.Count), totals.Entries);
        Assert.Equal(stored.Count, totals.Entries);
        var reasons = journals.Values.SelectMany(j => j).GroupBy(e => e.Reason).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(
            reasons.OrderBy(r => r.Key).Select(r => $"{r.Key.Code()}={r.Value}"),
            totals.ByReason.Where(r => r.Value > 0).OrderBy(r => r.Key).Select(r => $"{r.Key.Code()}={r.Value}"));
    }

    /// <summary>
    /// From the journals alone: who is inside (last passage across every edge, in clock order, an
    /// admission; an exit refused as not_inside counts as an exit) and who was ever admitted, each person once.
    /// </summary>
    public static (long Inside, long Admitted) PeopleByJournals(IReadOnlyDictionary<string, IReadOnlyList<JournalEntry>> journals)
    {
        var byAttendee = journals
            .SelectMany(j => j.Value.Where(e => e.Reason.IsPresenceEvidence() && e.AttendeeId is not null).Select(e => (Edge: j.Key, Entry: e)))
            .GroupBy(p => p.Entry.AttendeeId!, StringComparer.Ordinal)
            .Select(g => g.OrderBy(p => p.Entry.Hlc).ThenBy(p => p.Edge, StringComparer.Ordinal).ThenBy(p => p.Entry.Sequence).ToList())
            .ToList();
        return (byAttendee.Count(p => p[^1].Entry.Reason == ScanReason.Admitted), byAttendee.Count(p => p.Any(e => e.Entry.Reason == ScanReason.Admitted)));
    }

    private static string Fingerprint(JournalEntry e) =>
        $"seq {e.Sequence} {e.GateId} {e.AttendeeId ?? "-"} {e.Direction} {e.Reason.Code()} nonce {e.Nonce} hlc {e.Hlc}";
}
