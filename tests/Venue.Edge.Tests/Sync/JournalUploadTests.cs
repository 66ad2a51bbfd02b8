using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Venue.Domain.CheckIn;
using Venue.Domain.Sync;
using Venue.Edge.Sync;

namespace Venue.Edge.Tests.Sync;

/// <summary>The journal goes up to central: once per entry, resumed from central's answer, never skipping one.</summary>
public sealed class JournalUploadTests(ITestOutputHelper output)
{
    private const string Upload = "POST /v1/sync/journal";
    private const string Position = "GET /v1/sync/journal/position";

    private static async Task ScanSeveralAsync(SyncedEdge edge, string badge, int scans)
    {
        for (var i = 0; i < scans; i++)
        {
            await edge.ScanAsync("G01", badge, i % 2 == 0 ? ScanDirection.Entry : ScanDirection.Exit);
        }
    }

    private static List<JournalEntryWire> JournalOf(SyncedEdge edge) => [.. edge.Silo.Journal.ReadAll().Select(e => e.ToWire())];

    [Fact]
    public async Task Every_journal_entry_reaches_central_once_and_exactly_as_journaled()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));

        await edge.ScanAsync("G01", badge);
        await edge.ScanAsync("G02", badge);
        await edge.ScanAsync("G01", "not-a-badge");
        await edge.ScanAsync("G02", badge, ScanDirection.Exit);
        await world.Central.UntilAsync(c => c.HighestContiguous("north") == 4, "north's 4 entries");
        await edge.UntilAsync(s => s.UploadedSequence == 4, "the upload to be acknowledged");

        Assert.Equal(JournalOf(edge), world.Central.JournalOf("north"));
        Assert.Equal(["admitted", "already_inside", "malformed", "exited"], world.Central.JournalOf("north").Select(e => e.Reason));
        Assert.Equal(0, world.Central.Duplicates);
        Assert.Equal(0, edge.Silo.SyncStatus!.JournalLagMs);
    }

    [Fact]
    public async Task After_a_restart_nothing_central_already_holds_is_sent_again()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        var options = world.Edge("north");
        await using (var first = await world.StartEdgeAsync(options))
        {
            await ScanSeveralAsync(first, badge, 3);
            await world.Central.UntilAsync(c => c.HighestContiguous("north") == 3, "the first run's 3 entries");
        }

        await using var second = await world.StartEdgeAsync(options);
        await ScanSeveralAsync(second, badge, 2);
        await world.Central.UntilAsync(c => c.HighestContiguous("north") == 5, "all 5 entries");

        Assert.Equal([1L, 2, 3, 4, 5], world.Central.Received);
        Assert.Equal(JournalOf(second), world.Central.JournalOf("north"));
    }

    [Fact]
    public async Task After_a_restart_the_upload_resumes_where_central_says_its_copy_ends()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        var options = world.Edge("north");
        await using (var first = await world.StartEdgeAsync(options))
        {
            await ScanSeveralAsync(first, badge, 3);
            await world.Central.UntilAsync(c => c.HighestContiguous("north") == 3, "the first run's 3 entries");
        }

        // Central was restored from a backup holding only entry 1 while the edge was down.
        world.Central.Forget("north", fromSeq: 2);
        var before = world.Central.Received.Count;
        await using var second = await world.StartEdgeAsync(options);
        await ScanSeveralAsync(second, badge, 2);
        await world.Central.UntilAsync(c => c.HighestContiguous("north") == 5, "all 5 entries, 2 and 3 sent again");

        Assert.Equal([2L, 3, 4, 5], world.Central.Received.Skip(before).Order());
        Assert.Equal(JournalOf(second), world.Central.JournalOf("north"));
    }

    [Fact]
    public async Task A_new_data_directory_under_an_edge_id_central_already_holds_uploads_nothing_until_it_has_an_id_of_its_own()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var first = world.Central.Register("A-1");
        var second = world.Central.Register("B-1");
        var north = world.Edge("north");
        await using (var dead = await world.StartEdgeAsync(north))
        {
            await ScanSeveralAsync(dead, first, 3);
            await world.Central.UntilAsync(c => c.HighestContiguous("north") == 3, "the first machine's 3 entries");
        }

        var held = world.Central.JournalOf("north");
        var spareDirectory = world.Directory.File("north-spare");
        // A spare machine with north's settings and a fresh disk: its journal numbers from 1 again.
        await using (var spare = await world.StartEdgeAsync(SyncedEdge.OptionsFor(spareDirectory, "north", north.Central)))
        {
            await ScanSeveralAsync(spare, second, 2);
            await spare.UntilAsync(s => s.LastError?.Contains("ends at 2", StringComparison.Ordinal) == true, "the uplink to say central holds more than this journal");
            // Past central's position the counts no longer tell; central's entry 3 does.
            await ScanSeveralAsync(spare, second, 2);
            await spare.UntilAsync(s => s.LastError?.Contains("central's entry 3", StringComparison.Ordinal) == true, "the uplink to say central's entry 3 is another journal's");

            Assert.Equal(SyncStatus.Degraded, spare.Silo.SyncStatus!.Status);
            Assert.Equal(held, world.Central.JournalOf("north"));
            Assert.Equal([1L, 2, 3], world.Central.Received);
            Assert.True(world.Log.Contains(LogLevel.Error, "Give this edge an edge id of its own"), "the refusal is logged as an error that says what to do");
        }

        // Given an id of its own, the spare's whole journal goes up, and it learns whom north admitted.
        var renamed = SyncedEdge.OptionsFor(spareDirectory, "north-2", SyncedEdge.Fast(world.Central.Address, world.Central.TokenFor("north-2")));
        await using var own = await world.StartEdgeAsync(renamed);
        await world.Central.UntilAsync(c => c.HighestContiguous("north-2") == 4, "the spare's 4 entries under its own id");
        await own.UntilAsync(s => s.RemotePassagesApplied >= 3, "north's 3 passages");

        Assert.Equal(JournalOf(own), world.Central.JournalOf("north-2"));
        Assert.Equal(held, world.Central.JournalOf("north"));
        Assert.Equal(ScanReason.AlreadyInside, (await own.ScanAsync("G02", first)).Reason);
        Assert.True(world.Log.Contains(LogLevel.Warning, "was edge 'north' and is now edge 'north-2'"), "the change of id is logged");
    }

    [Fact]
    public async Task A_last_uploaded_entry_central_stored_with_its_NUL_replaced_still_counts_as_this_journals()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        var options = world.Edge("north");
        await using (var first = await world.StartEdgeAsync(options))
        {
            // A nonce with a NUL (scanners could send one before the scanner API refused it): central stores U+FFFD.
            await first.Silo.ScanAsync("G01", new ScanRequest(badge, ScanDirection.Entry, "lane\u00003-17", DateTimeOffset.UtcNow));
            await world.Central.UntilAsync(c => c.HighestContiguous("north") == 1, "the entry with the NUL");
        }

        await using var second = await world.StartEdgeAsync(options);
        await ScanSeveralAsync(second, badge, 2);
        await world.Central.UntilAsync(c => c.HighestContiguous("north") == 3, "the entries after it");

        Assert.Equal("lane\uFFFD3-17", world.Central.JournalOf("north")[0].Nonce);
    }

    [Fact]
    public async Task Entries_central_lost_are_sent_again_from_the_gap_it_reports()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        var options = world.Edge("north");
        await using var edge = await world.StartEdgeAsync(options, sync: false);
        await ScanSeveralAsync(edge, badge, 3);
        world.Central.LoseOnce(2);

        edge.Silo.StartSync(options.Central);
        await world.Central.UntilAsync(c => c.HighestContiguous("north") == 3, "entries 1 to 3 without a gap");

        // One batch of 1..3 with 2 lost: central answers 1, so 2..3 go again and 3 is a harmless duplicate.
        Assert.Equal([1L, 2, 3, 2, 3], world.Central.Received);
        Assert.Equal(1, world.Central.Duplicates);
        Assert.Equal(JournalOf(edge), world.Central.JournalOf("north"));
    }

    [Fact]
    public async Task Central_answering_503_is_retried_until_it_takes_the_batch_and_nothing_is_lost()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        var options = world.Edge("north");
        await using var edge = await world.StartEdgeAsync(options, sync: false);
        await ScanSeveralAsync(edge, badge, 3);
        world.Central.FailNext(Position, 503);
        world.Central.FailNext(Upload, 503, times: 2);

        edge.Silo.StartSync(options.Central);
        await world.Central.UntilAsync(c => c.HighestContiguous("north") == 3, "entries 1 to 3 after the 503s");
        await edge.UntilAsync(s => s.Status == SyncStatus.Online, "the uplink to be online again");

        Assert.Equal(JournalOf(edge), world.Central.JournalOf("north"));
        Assert.Equal([1L, 2, 3], world.Central.Received);
        Assert.Equal(3, world.Central.Requests(Upload));
        Assert.True(world.Log.Contains(LogLevel.Warning, "503"), "the first 503 is logged as a warning");
    }

    [Fact]
    public async Task A_batch_central_finds_too_large_goes_again_in_smaller_batches()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        var options = world.Edge("north", c => c.UploadBatchSize = 4);
        await using var edge = await world.StartEdgeAsync(options, sync: false);
        await ScanSeveralAsync(edge, badge, 4);
        world.Central.FailNext(Upload, 413);

        edge.Silo.StartSync(options.Central);
        await world.Central.UntilAsync(c => c.HighestContiguous("north") == 4, "entries 1 to 4 in halved batches");

        Assert.Equal(JournalOf(edge), world.Central.JournalOf("north"));
        Assert.Equal(3, world.Central.Requests(Upload));
        Assert.True(world.Log.Contains(LogLevel.Warning, "too large"), "the smaller batches are logged");
    }

    [Fact]
    public async Task A_malformed_receipt_is_logged_and_the_batch_sent_again()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        var options = world.Edge("north");
        await using var edge = await world.StartEdgeAsync(options, sync: false);
        await ScanSeveralAsync(edge, badge, 2);
        world.Central.MalformedNext(Upload);

        edge.Silo.StartSync(options.Central);
        await world.Central.UntilAsync(c => c.HighestContiguous("north") == 2, "entries 1 and 2 after the malformed receipt");

        Assert.Equal(JournalOf(edge), world.Central.JournalOf("north"));
        Assert.True(world.Log.Contains(LogLevel.Warning, "not venue-sync/1 JSON"), "the malformed answer is logged");
    }

    [Fact]
    public async Task An_edge_holding_another_edges_token_uploads_nothing_and_says_why()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        var options = world.Edge("north", c => c.Token = world.Central.TokenFor("south"));
        await using var edge = await world.StartEdgeAsync(options);

        await edge.ScanAsync("G01", badge);
        await edge.UntilAsync(s => s.LastError?.Contains("as edge 'south'", StringComparison.Ordinal) == true, "the wrong token to be reported");

        Assert.Equal(SyncStatus.Degraded, edge.Silo.SyncStatus!.Status);
        Assert.Empty(world.Central.JournalOf("south"));
        Assert.Empty(world.Central.JournalOf("north"));
        Assert.True(world.Log.Contains(LogLevel.Error, "fix Edge:Central:Token"), "a refusal is logged as an error");
    }

    [Fact]
    public async Task A_badge_admitted_at_one_edge_is_refused_at_another_once_central_relays_the_admission()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var warmUp = world.Central.Register("A-0");
        var badge = world.Central.Register("A-1");
        await using var north = await world.StartEdgeAsync(world.Edge("north"));
        await using var south = await world.StartEdgeAsync(world.Edge("south"));
        // One round trip first, so the reported figure is a running venue's, not the JIT's.
        await north.ScanAsync("G01", warmUp);
        await south.UntilAsync(s => s.RemotePassagesApplied == 1, "the warm-up admission to reach south");
        await world.Central.UntilAsync(c => c.IsPolling("south"), "south to poll for changes again");

        var admitted = await north.ScanAsync("G01", badge);
        var clock = Stopwatch.StartNew();
        await south.UntilAsync(s => s.RemotePassagesApplied == 2, "north's admission to reach south");
        var elapsed = clock.Elapsed;
        var refused = await south.ScanAsync("G02", badge);
        var presence = await south.Silo.GetPresenceAsync("A-1");

        Assert.Equal(ScanReason.Admitted, admitted.Reason);
        Assert.Equal(ScanReason.AlreadyInside, refused.Reason);
        // South knows where north let them in, and recorded its own refusal rather than a passage.
        Assert.Equal((true, 1, "G01"), (presence.Inside, presence.Entries, presence.LastGate));
        Assert.Equal(ScanReason.AlreadyInside, south.Silo.Journal.ReadAll().Last().Reason);
        // Reported, not asserted: how fast is a figure for the load harness in benchmarks/, not a test.
        output.WriteLine($"edge to edge: {elapsed.TotalMilliseconds:0.0} ms");
    }
}
