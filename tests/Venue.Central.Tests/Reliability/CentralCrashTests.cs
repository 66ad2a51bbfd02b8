using System.Diagnostics;
using Venue.Testing.Postgres;
using Venue.Testing.Processes;

namespace Venue.Central.Tests.Reliability;

/// <summary>
/// Central on a real PostgreSQL, two edges uploading under steady scanning: central is SIGKILLed in
/// the middle of ingesting and started again, then PostgreSQL itself is restarted under it. The edges
/// never stop scanning; afterwards central must hold every journal entry exactly once.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class CentralCrashTests(ITestOutputHelper output)
{
    private const int Attendees = 1_000;
    private const int ScansBetweenFaults = 60;
    private static readonly TimeSpan ScanEvery = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan Phase = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Neither_a_SIGKILLed_central_nor_a_restarted_PostgreSQL_loses_or_duplicates_an_uploaded_entry()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output)
            || !Requirement.Met(!OperatingSystem.IsWindows(), "POSIX signals (SIGKILL)", output))
        {
            return;
        }

        var clock = Stopwatch.StartNew();
        var postgres = PostgresServer.TryCreate(out var unavailable);
        if (!Requirement.Met(postgres is not null, unavailable ?? "a PostgreSQL server", output))
        {
            return;
        }

        await using var server = postgres!;
        try
        {
            await server.StartAsync();
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            Requirement.Met(false, $"a PostgreSQL server that starts ({e.Message})", output);
            return;
        }

        var database = await server.CreateDatabaseAsync("venue_central_crash");
        output.WriteLine($"[{clock.Elapsed.TotalSeconds:0.0} s] PostgreSQL on port {server.Port}");

        await using var venue = await LiveVenue.StartAsync(Attendees, ["north", "south"], output, database);
        var north = venue["north"];
        var south = venue["south"];
        try
        {
            // Each edge scans badges of its own: no badge is ever admitted at both, so no conflict is right.
            await using var northTraffic = ScannerTraffic.Start(north, venue.Badges.Where((_, i) => i % 2 == 0), ScanEvery);
            await using var southTraffic = ScannerTraffic.Start(south, venue.Badges.Where((_, i) => i % 2 == 1), ScanEvery);
            var traffic = new[] { northTraffic, southTraffic };

            await AwaitIngestAsync(venue, traffic, "before the kill");
            var feedAtKill = await FeedIdAsync(venue);
            await venue.RestartCentralAfterKillAsync();
            output.WriteLine($"[{clock.Elapsed.TotalSeconds:0.0} s] central killed at feed id {feedAtKill} and restarted: {await venue.CentralStatsAsync()}");

            await AwaitIngestAsync(venue, traffic, "after central's restart");
            var pgClock = Stopwatch.StartNew();
            await server.RestartAsync();
            output.WriteLine($"[{clock.Elapsed.TotalSeconds:0.0} s] PostgreSQL restarted (down {pgClock.ElapsedMilliseconds} ms) at feed id {await FeedIdAsync(venue)}");

            await AwaitIngestAsync(venue, traffic, "after PostgreSQL's restart");
            foreach (var t in traffic)
            {
                await t.StopAsync();
                Assert.Empty(t.Failures);
            }

            await venue.AwaitCentralHoldsEveryJournalAsync(TimeSpan.FromSeconds(30));
            var health = await venue.CentralStatsAsync();
            await venue.StopAsync();
            output.WriteLine($"[{clock.Elapsed.TotalSeconds:0.0} s] stopped; central said {health}");

            var journals = venue.Journals();
            await using var store = await venue.OpenCentralStoreAsync();
            await CentralCopy.AssertHoldsEveryEntryOnceAsync(store, journals);
            var conflicts = await store.ListConflictsAsync(0, 100);
            Assert.True(conflicts.Count == 0, $"no badge was admitted at two edges, yet central raised {conflicts.Count} conflicts, e.g. {conflicts.FirstOrDefault()}");

            var (inside, admitted) = CentralCopy.PeopleByJournals(journals);
            Assert.Equal((inside, admitted), (health.GetProperty("inside").GetInt64(), health.GetProperty("admitted").GetInt64()));
            output.WriteLine($"[{clock.Elapsed.TotalSeconds:0.0} s] {journals.Sum(j => j.Value.Count)} entries, {inside} inside, {admitted} admitted");
        }
        catch
        {
            venue.WriteOutputs();
            output.WriteLine($"--- PostgreSQL log\n{(File.Exists(server.LogPath) ? string.Join('\n', File.ReadLines(server.LogPath).TakeLast(40)) : "(none)")}");
            throw;
        }
    }

    /// <summary>
    /// Awaits the edges scanning on and central storing what they send: its feed id (one per stored
    /// entry) moves on by as many entries as the scanners made meanwhile, so the next fault lands
    /// while uploads are flowing.
    /// </summary>
    private async Task AwaitIngestAsync(LiveVenue venue, IReadOnlyList<ScannerTraffic> traffic, string when)
    {
        var feedFrom = await FeedIdAsync(venue);
        var scansFrom = traffic.Select(t => t.Scans).ToList();
        long feed = feedFrom;
        await Eventually.UntilAsync(async () =>
        {
            if (traffic.Any(t => t.Failures.Count > 0))
            {
                return true;
            }

            feed = await FeedIdAsync(venue);
            return feed - feedFrom >= ScansBetweenFaults && traffic.Select((t, i) => t.Scans - scansFrom[i]).All(s => s >= ScansBetweenFaults);
        }, Phase, () => $"central to store {ScansBetweenFaults} more entries {when} (feed id {feedFrom} -> {feed}) while both edges scan on");
        Assert.All(traffic, t => Assert.Empty(t.Failures));
        output.WriteLine($"{when}: central's feed id {feedFrom} -> {feed}");
    }

    private static async Task<long> FeedIdAsync(LiveVenue venue) =>
        (await venue.CentralStatsAsync()).GetProperty("feedId").GetInt64();
}
