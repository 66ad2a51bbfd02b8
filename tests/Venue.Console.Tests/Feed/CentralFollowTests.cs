using System.Net.Http.Json;
using Venue.Console.Tests.Infrastructure;
using Venue.Domain.Journal;
using Venue.OpsConsole.Model;

namespace Venue.Console.Tests.Feed;

/// <summary>
/// Central's console follows every uploaded check-in once: from the batches the ingests hand it, and
/// from the store for ids no batch handed over. Counted through the console's own snapshot over HTTP.
/// </summary>
public sealed class CentralFollowTests
{
    [Fact]
    public async Task Uploads_from_many_edges_at_once_are_each_counted_once_on_centrals_console()
    {
        await using var central = await ConsoleCentral.StartAsync();
        using var ops = central.OpsClient();
        var edges = Enumerable.Range(1, 6).Select(e => $"edge-{e}").ToArray();
        var random = new Random(7);
        // Per edge 30 batches of 1 to 40 admissions at its own gate, made first (the helper is not thread-safe).
        var batches = edges.ToDictionary(e => e, e => Enumerable.Range(0, 30)
            .Select(_ => (IReadOnlyList<JournalEntry>)[.. Enumerable.Range(0, 1 + random.Next(40)).Select(_ => central.NextAdmission(e, $"G-{e}"))])
            .ToList());

        // Each edge uploads its batches in turn, all edges at once: their ingests commit and hand off interleaved.
        await Task.WhenAll(edges.Select(e => Task.Run(async () =>
        {
            foreach (var batch in batches[e])
            {
                await central.Silo.IngestAsync(e, batch);
            }
        })));

        var want = edges.ToDictionary(e => $"G-{e}", e => (long)batches[e].Sum(b => b.Count));
        var gates = await GatesWhenAsync(ops, want.Values.Sum());
        foreach (var (gate, admitted) in want)
        {
            Assert.Equal(admitted, gates[gate].Admitted);
        }

        Assert.Equal(want.Values.Sum(), gates.Values.Sum(g => g.Scans));
    }

    [Fact]
    public async Task Check_ins_stored_without_a_hand_off_are_read_from_the_store_in_their_place()
    {
        await using var central = await ConsoleCentral.StartAsync();
        using var ops = central.OpsClient();
        var silo = central.Silo;

        // Uploads through the silo hand their batches off; these go to the store directly and only move
        // the feed (as a repair does), so the console must read them back, between handed-off batches.
        long stored = 0;
        for (var round = 0; round < 5; round++)
        {
            await silo.IngestAsync("north", [.. Enumerable.Range(0, 10).Select(_ => central.NextAdmission("north", "G01"))]);
            var direct = await silo.Store.IngestAsync("south", [.. Enumerable.Range(0, 7).Select(_ => central.NextAdmission("south", "G21"))],
                DateTimeOffset.UtcNow, TimeSpan.FromMinutes(10));
            stored += direct.Inserted.Count;
            silo.Feed.FeedAdvanced(direct.Inserted[^1].FeedId);
        }

        Assert.Equal(35, stored);
        var gates = await GatesWhenAsync(ops, 85);
        Assert.Equal(50, gates["G01"].Admitted);
        Assert.Equal(35, gates["G21"].Admitted);
    }

    /// <summary>The console's gates once it has counted at least <paramref name="scans"/> scans, and a moment longer for any extra.</summary>
    private static async Task<Dictionary<string, GateView>> GatesWhenAsync(HttpClient ops, long scans)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var snapshot = await ops.GetFromJsonAsync<ConsoleSnapshot>("/console/api/snapshot");
            if (snapshot!.Gates.Sum(g => g.Scans) >= scans)
            {
                // A scan counted twice would show by now: the follower has nothing left to read.
                await Task.Delay(200);
                snapshot = await ops.GetFromJsonAsync<ConsoleSnapshot>("/console/api/snapshot");
                return snapshot!.Gates.ToDictionary(g => g.Id, StringComparer.Ordinal);
            }

            Assert.True(DateTime.UtcNow < deadline, $"The console counted {snapshot.Gates.Sum(g => g.Scans)} scans after 20 s, not {scans}.");
            await Task.Delay(50);
        }
    }
}
