using Microsoft.Extensions.DependencyInjection;
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
    private const string LastGate = "G-last";

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
        var gates = await GatesAfterAllAsync(central, ops);
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
        var gates = await GatesAfterAllAsync(central, ops);
        Assert.Equal(50, gates["G01"].Admitted);
        Assert.Equal(35, gates["G21"].Admitted);
    }

    /// <summary>
    /// The console's gates once it has folded in everything uploaded so far. One last admission, at a gate
    /// of its own, gets the highest feed id; the follower folds in feed-id order and passes over anything at
    /// or below its position, so once that scan is on the stream every earlier one has been counted, and
    /// counted for good. The last gate is left out of what is returned.
    /// </summary>
    private static async Task<Dictionary<string, GateView>> GatesAfterAllAsync(ConsoleCentral central, HttpClient ops)
    {
        var before = await ops.GetFromJsonAsync<ConsoleSnapshot>("/console/api/snapshot");
        await using var stream = await SseStream.OpenAsync(ops, $"/console/api/stream?after={before!.Epoch}-{before.Seq}");
        await central.UploadAdmissionAsync("last", LastGate, "last-1");
        SseMessage message;
        do
        {
            message = await stream.NextAsync("the last upload on central's console");
        }
        while (message.Type != "scan" || message.Payload.GetProperty("gate").GetString() != LastGate);

        var snapshot = await ops.GetFromJsonAsync<ConsoleSnapshot>("/console/api/snapshot");
        var gates = snapshot!.Gates.ToDictionary(g => g.Id, StringComparer.Ordinal);
        Assert.True(gates.Remove(LastGate, out var last));
        Assert.Equal(1, last.Admitted);
        return gates;
    }

    [Fact]
    public async Task Conflicts_acknowledged_through_the_integrator_api_or_explained_by_a_later_upload_follow_on_the_console()
    {
        await using var central = await ConsoleCentral.StartAsync();
        var model = central.Services.GetRequiredService<ConsoleModel>();
        foreach (var (edge, gate, attendee) in new[] { ("north", "G01", "a1"), ("south", "G21", "a1"), ("north", "G01", "a2"), ("south", "G21", "a2") })
        {
            await central.UploadAdmissionAsync(edge, gate, attendee);
        }

        await Eventually.UntilAsync(() => Task.FromResult(model.Snapshot().Conflicts.Count == 2), Signal.Limit, "a1's and a2's conflicts on the console");
        var a1 = model.Snapshot().Conflicts.Single(c => c.Attendee == "a1").Id;
        var a2 = model.Snapshot().Conflicts.Single(c => c.Attendee == "a2").Id;

        // An integrator acknowledges a1's; a late upload explains a2's, and reconciliation deletes it.
        Assert.True(await central.Silo.Store.AcknowledgeConflictAsync(a1, "api:crm", DateTimeOffset.UtcNow));
        await central.Silo.Store.ReplaceConflictsAsync("a2", []);

        await Eventually.UntilAsync(() => Task.FromResult(model.Snapshot().Conflicts is [{ AcknowledgedBy: "api:crm" }]), Signal.Limit,
            "a1's conflict acknowledged and a2's gone");
        Assert.Equal(a1, Assert.Single(model.Snapshot().Conflicts).Id);
        Assert.NotEqual(a1, a2);
    }
}
