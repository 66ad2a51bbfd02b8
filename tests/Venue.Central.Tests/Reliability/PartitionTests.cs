using System.Diagnostics;
using Venue.Testing.Processes;

namespace Venue.Central.Tests.Reliability;

/// <summary>
/// Central and two edges as real processes, north's link to central cut by a real TCP partition in
/// the middle of steady scanning, with badges admitted at both edges while they cannot see each
/// other; then the link heals and central reconciles.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class PartitionTests(ITestOutputHelper output)
{
    private const int Attendees = 1_000;
    private const int AdmittedAtBothEdges = 20;
    private const int ScansDuringPartition = 150;
    private static readonly TimeSpan ScanEvery = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Phase = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task After_a_partition_heals_central_holds_every_journal_entry_once_and_exactly_the_badges_admitted_at_both_edges_are_conflicts()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output))
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        await using var venue = await LiveVenue.StartAsync(Attendees, ["north", "south"], output);
        var north = venue["north"];
        var south = venue["south"];
        try
        {
            await AwaitStatusAsync(north, "online");
            await AwaitStatusAsync(south, "online");

            // Badges by role: one crosses from north to south while the link is up, some are admitted at
            // both edges during the partition, the rest is each edge's own steady traffic.
            var crossing = venue.Badges[0];
            var atBoth = venue.Badges.Skip(1).Take(AdmittedAtBothEdges).ToList();
            var rest = venue.Badges.Skip(1 + AdmittedAtBothEdges).ToList();
            await using var northTraffic = ScannerTraffic.Start(north, rest.Where((_, i) => i % 2 == 0), ScanEvery);
            await using var southTraffic = ScannerTraffic.Start(south, rest.Where((_, i) => i % 2 == 1), ScanEvery);
            await AwaitScansAsync(northTraffic, 40);
            await AwaitScansAsync(southTraffic, 40);

            // While the link is up, what north admits south refuses once it has followed north (each wait
            // bounded by Phase; how soon is the sync benchmark's to measure, reported here only).
            var crossed = Stopwatch.StartNew();
            await north.ScanExpectingAsync(north.Gates[0], crossing, "entry", "admitted");
            await AwaitSouthFollowsNorthAsync(venue, north, south);
            await south.ScanExpectingAsync(south.Gates[0], crossing, "entry", "already_inside");
            output.WriteLine($"[{clock.Elapsed.TotalSeconds:0.0} s] admitted at north, refused already_inside at south {crossed.ElapsedMilliseconds} ms later");

            // Cut north off in the middle of the traffic.
            var northBefore = northTraffic.Scans;
            var southBefore = southTraffic.Scans;
            var cut = north.Proxy.Partition();
            output.WriteLine($"[{clock.Elapsed.TotalSeconds:0.0} s] north partitioned: {cut} open connections cut");
            await AwaitStatusAsync(north, "degraded");

            foreach (var badge in atBoth)
            {
                await north.ScanExpectingAsync(north.Gates[1], badge, "entry", "admitted");
                await south.ScanExpectingAsync(south.Gates[1], badge, "entry", "admitted");
            }

            // Long enough for north's retries to back off to their longest while both edges scan on.
            await AwaitScansAsync(northTraffic, northBefore + ScansDuringPartition);
            await AwaitScansAsync(southTraffic, southBefore + ScansDuringPartition);
            var northJournaled = (await north.Process.HealthAsync()).GetProperty("journalSequence").GetInt64();
            var northAtCentral = await venue.CentralPositionAsync("north");
            Assert.True(northAtCentral < northJournaled,
                $"the partition should hold north's entries back, yet central holds up to {northAtCentral} of {northJournaled}");
            Assert.True(north.Proxy.Counters.Cut + north.Proxy.Counters.RefusedWhilePartitioned > 0, "the partition should have cut or refused north's connections");

            north.Proxy.Heal();
            output.WriteLine($"[{clock.Elapsed.TotalSeconds:0.0} s] healed with north {northJournaled - northAtCentral} entries behind; proxy {north.Proxy.Counters}");
            await AwaitScansAsync(northTraffic, northTraffic.Scans + 50);
            await AwaitScansAsync(southTraffic, southTraffic.Scans + 50);
            await northTraffic.StopAsync();
            await southTraffic.StopAsync();
            Assert.Empty(northTraffic.Failures);
            Assert.Empty(southTraffic.Failures);
            output.WriteLine($"[{clock.Elapsed.TotalSeconds:0.0} s] traffic stopped: {northTraffic.Scans} scans at north, {southTraffic.Scans} at south");

            await venue.AwaitCentralHoldsEveryJournalAsync(TimeSpan.FromSeconds(30));
            var health = await venue.CentralStatsAsync();
            await venue.StopAsync();
            output.WriteLine($"[{clock.Elapsed.TotalSeconds:0.0} s] stopped; central said {health}");

            var journals = venue.Journals();
            await using var store = await venue.OpenCentralStoreAsync();
            await CentralCopy.AssertHoldsEveryEntryOnceAsync(store, journals);

            var conflicts = await store.ListConflictsAsync(0, 1_000);
            Assert.Equal(atBoth.Select(b => b.AttendeeId).Order(), conflicts.Select(c => c.AttendeeId).Order());
            Assert.All(conflicts, c => Assert.Equal(["north", "south"], new[] { c.First.EdgeId, c.Second.EdgeId }.Order()));

            var (inside, admitted) = CentralCopy.PeopleByJournals(journals);
            Assert.Equal((inside, admitted), (health.GetProperty("inside").GetInt64(), health.GetProperty("admitted").GetInt64()));
            output.WriteLine($"[{clock.Elapsed.TotalSeconds:0.0} s] {journals.Sum(j => j.Value.Count)} entries, {conflicts.Count} conflicts, {inside} inside, {admitted} admitted");
        }
        catch
        {
            venue.WriteOutputs();
            throw;
        }
    }

    /// <summary>
    /// Awaits south having read central's passage feed past north's latest entry: north's journal,
    /// then central's copy of it, then south's cursor. Only then is one scan at south meaningful.
    /// </summary>
    private static async Task AwaitSouthFollowsNorthAsync(LiveVenue venue, LiveEdge north, LiveEdge south)
    {
        var northLast = (await north.Process.HealthAsync()).GetProperty("journalSequence").GetInt64();
        await Eventually.UntilAsync(async () => await venue.CentralPositionAsync("north") >= northLast, Phase,
            $"central to hold north's journal up to seq {northLast}");
        var feed = (await venue.CentralStatsAsync()).GetProperty("feedId").GetInt64();
        await Eventually.UntilAsync(async () => (await south.SyncStatusAsync()).GetProperty("passagesCursor").GetInt64() >= feed, Phase,
            $"south to read central's passage feed up to {feed}");
    }

    private static Task AwaitStatusAsync(LiveEdge edge, string status)
    {
        var last = "";
        return Eventually.UntilAsync(async () =>
        {
            var sync = await edge.SyncStatusAsync();
            last = sync.ToString();
            return sync.GetProperty("status").GetString() == status;
        }, Phase, () => $"{edge.Id}'s uplink to report '{status}' (last: {last})");
    }

    private static Task AwaitScansAsync(ScannerTraffic traffic, long scans) =>
        Eventually.UntilAsync(() => Task.FromResult(traffic.Scans >= scans || traffic.Failures.Count > 0), Phase,
            () => $"{traffic.EdgeId}'s scanner to reach {scans} scans (at {traffic.Scans})");
}
