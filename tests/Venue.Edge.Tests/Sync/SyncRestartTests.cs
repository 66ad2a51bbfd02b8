using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Venue.Domain.CheckIn;
using Venue.Domain.Ledger;
using Venue.Edge.Silo;
using Venue.Edge.Sync;

namespace Venue.Edge.Tests.Sync;

/// <summary>What an edge starts on: central's snapshot the first time, then its own stored snapshot and changes, link or no link.</summary>
public sealed class SyncRestartTests(ITestOutputHelper output)
{
    private const string Snapshot = "GET /v1/sync/ledger";

    /// <summary>Nothing listens on port 1 of the loopback address: connections are refused at once.</summary>
    private static readonly Uri Unreachable = new("http://127.0.0.1:1/");

    [Fact]
    public async Task A_fresh_edge_downloads_its_ledger_from_central_retrying_until_it_gets_a_valid_one()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        world.Central.FailNext(Snapshot, 503);
        world.Central.MalformedNext(Snapshot, body: """{"format":"not-a-ledger","eventId":"x"}""" + "\n");
        var options = world.Edge("north");

        await using var edge = await world.StartEdgeAsync(options, sync: false);
        var scan = await edge.ScanAsync("G01", badge);

        Assert.Equal(world.Central.Address.ToString(), edge.Silo.Startup.LedgerSource);
        Assert.Equal((1, world.Central.LedgerVersion), (edge.Silo.Ledger.Count, edge.Silo.Ledger.Version));
        Assert.True(File.Exists(Path.Combine(options.DataDirectory, "ledger.jsonl")));
        Assert.Equal(ScanReason.Admitted, scan.Reason);
        Assert.Equal(3, world.Central.Requests(Snapshot));
        Assert.Equal(2, world.Log.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("could not download", StringComparison.Ordinal)));
        Assert.True(world.Log.Contains(LogLevel.Warning, "not a valid venue-ledger/1 file"), "the bad snapshot is named as such");
    }

    [Fact]
    public async Task Any_kind_of_network_failure_is_retried_at_start_and_while_syncing_through_a_callers_handler()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        var options = world.Edge("north");
        using var handler = new FlakyHandler();
        // A connection reset while connecting comes out of HttpClient as a bare SocketException.
        handler.FailNext(
            new SocketException((int)SocketError.NotConnected),
            new HttpRequestException("Connection refused"),
            new IOException("Unable to read data from the transport connection.", new SocketException((int)SocketError.ConnectionReset)));

        await using var silo = await EdgeSilo.StartAsync(options, TimeProvider.System, world.Loggers, handler).WithTimeout("the edge to start");
        handler.FailNext(new SocketException((int)SocketError.ConnectionReset), new SocketException((int)SocketError.ConnectionReset));
        var sync = silo.StartSync(options.Central, handler);
        var scan = await silo.ScanAsync("G01", new ScanRequest(badge, ScanDirection.Entry, "n-1", DateTimeOffset.UtcNow));
        await world.Central.UntilAsync(c => c.HighestContiguous("north") == 1, "the scan, through the flaky handler");

        Assert.Equal(ScanReason.Admitted, scan.Reason);
        Assert.Equal(5, handler.Failed);
        Assert.Equal(1, world.Central.Requests(Snapshot));
        Assert.Same(sync, silo.Sync);
    }

    [Fact]
    public async Task With_central_unreachable_a_restarted_edge_runs_on_its_stored_snapshot_changes_and_remote_passages_then_catches_up()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var insideElsewhere = world.Central.Register("A-1");
        var lost = world.Central.Register("A-2");
        var options = world.Edge("north");
        long southHlc;
        string late;
        await using (var first = await world.StartEdgeAsync(options))
        {
            southHlc = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds() << 16;
            late = world.Central.Register("A-3", name: "Registered after the snapshot");
            world.Central.RevokeToken(lost);
            world.Central.AddPassage("A-1", "south", "S-1", "admitted", southHlc, DateTimeOffset.UtcNow);
            await first.UntilAsync(s => s.LedgerVersion == world.Central.LedgerVersion && s.RemotePassagesApplied == 1, "the changes and south's passage");
        }

        var offline = SyncedEdge.OptionsFor(options.DataDirectory, "north", SyncedEdge.Fast(Unreachable, options.Central.Token!));
        await using var second = await world.StartEdgeAsync(offline);
        var inside = await second.ScanAsync("G01", insideElsewhere);
        var revoked = await second.ScanAsync("G01", lost);
        var registered = await second.ScanAsync("G01", late);
        await second.UntilAsync(s => s.Status == SyncStatus.Degraded && s.LastError is not null, "the link failure to show");

        Assert.EndsWith("ledger.jsonl", second.Silo.Startup.LedgerSource, StringComparison.Ordinal);
        Assert.Equal((2, 1), (second.Silo.Startup.LedgerChangesApplied, second.Silo.Startup.RemotePassages));
        Assert.Equal(world.Central.LedgerVersion, second.Silo.Ledger.Version);
        Assert.Equal(ScanReason.AlreadyInside, inside.Reason);
        Assert.Equal(ScanReason.Revoked, revoked.Reason);
        Assert.Equal((ScanReason.Admitted, "Registered after the snapshot"), (registered.Reason, registered.Attendee?.Name));
        Assert.All(second.Silo.Journal.ReadAll(), e => Assert.True(e.Hlc > southHlc, $"entry {e.Sequence} is stamped after south's passage"));

        // The link comes back: everything journaled meanwhile goes up.
        await second.Sync.DisposeAsync();
        second.Silo.StartSync(options.Central);
        await world.Central.UntilAsync(c => c.HighestContiguous("north") == 3, "the 3 entries made while central was unreachable");
    }

    [Fact]
    public async Task Compaction_rewrites_the_stored_snapshot_and_a_restart_still_has_every_change()
    {
        await using var world = await SyncWorld.StartAsync(output);
        world.Central.Register("A-1");
        var options = world.Edge("north", c => c.CompactAfterChanges = 2);
        var snapshot = Path.Combine(options.DataDirectory, "ledger.jsonl");
        await using (var first = await world.StartEdgeAsync(options))
        {
            foreach (var id in new[] { "A-5", "A-6", "A-7" })
            {
                world.Central.Register(id);
                await first.UntilAsync(s => s.LedgerVersion == world.Central.LedgerVersion, $"{id} to arrive");
            }
        }

        // A-5 and A-6 made two stored changes: the snapshot was rewritten at A-6's version; A-7 is a change on top.
        var compacted = await LedgerSnapshot.ReadFileAsync(snapshot);
        var offline = SyncedEdge.OptionsFor(options.DataDirectory, "north", SyncedEdge.Fast(Unreachable, options.Central.Token!));
        await using var second = await world.StartEdgeAsync(offline, sync: false);

        Assert.Equal((3, 3L), (compacted.Count, compacted.Version));
        Assert.Equal(1, second.Silo.Startup.LedgerChangesApplied);
        Assert.Equal(4L, second.Silo.Ledger.Version);
        Assert.All(new[] { "A-1", "A-5", "A-6", "A-7" }, id => Assert.True(second.Silo.Ledger.TryGet(id, out _), $"{id} in the ledger"));
    }

    [Fact]
    public async Task After_central_goes_back_to_an_older_backup_what_it_hands_out_again_reaches_the_edge_and_survives_a_restart()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var revoked = world.Central.Register("A-1");
        world.Central.Register("A-2");
        var options = world.Edge("north");
        var hlc = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 16;
        string enteredAtSouth;
        await using (var first = await world.StartEdgeAsync(options))
        {
            enteredAtSouth = world.Central.Register("A-3");
            world.Central.Register("A-4");
            world.Central.AddPassage("A-2", "south", "S-1", "admitted", hlc, DateTimeOffset.UtcNow, seq: 1);
            await first.UntilAsync(s => s.LedgerVersion == 4 && s.RemotePassagesApplied == 1, "A-3, A-4 and south's passage");

            // Central is restored to ledger version 2 and an empty feed, then hands out version 3 and
            // feed id 1 again: for a revocation, and for an admission at south. This edge passed both numbers.
            world.Central.RestoreTo(ledgerVersion: 2, feedId: 0);
            world.Central.RevokeToken(revoked);
            world.Central.AddPassage("A-3", "south", "S-1", "admitted", hlc + 1, DateTimeOffset.UtcNow, seq: 2);
            await first.UntilAsync(s => s.LedgerVersion == 3 && s.PassagesCursor == 1, "central's positions");
            await world.Central.UntilAsync(c => c.IsPolling("north"), "north to ask again from central's positions");

            Assert.Equal(ScanReason.Revoked, (await first.ScanAsync("G01", revoked)).Reason);
            Assert.Equal(ScanReason.AlreadyInside, (await first.ScanAsync("G01", enteredAtSouth)).Reason);
            Assert.True(world.Log.Contains(LogLevel.Warning, "restored from an older backup"), "the edge says why it asks for everything again");
        }

        var offline = SyncedEdge.OptionsFor(options.DataDirectory, "north", SyncedEdge.Fast(Unreachable, options.Central.Token!));
        await using var second = await world.StartEdgeAsync(offline, sync: false);

        Assert.Equal(3L, second.Silo.Ledger.Version);
        Assert.True(second.Silo.Ledger.TryGet("A-4", out _), "an attendee central lost stays in the edge's ledger");
        Assert.Equal(ScanReason.Revoked, (await second.ScanAsync("G02", revoked)).Reason);
        Assert.Equal(ScanReason.AlreadyInside, (await second.ScanAsync("G02", enteredAtSouth)).Reason);
    }

    [Fact]
    public async Task A_central_restored_and_past_the_edges_positions_again_before_it_asks_is_still_followed_from_the_start()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var revoked = world.Central.Register("A-1");
        world.Central.Register("A-2");
        var options = world.Edge("north");
        var hlc = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 16;
        string enteredAtSouth;
        await using (var first = await world.StartEdgeAsync(options))
        {
            enteredAtSouth = world.Central.Register("A-3");
            world.Central.Register("A-4");
            world.Central.AddPassage("A-2", "south", "S-1", "admitted", hlc, DateTimeOffset.UtcNow, seq: 1);
            await first.UntilAsync(s => s.LedgerVersion == 4 && s.PassagesCursor == 1, "A-3, A-4 and south's passage");
        }

        // While north is down, central goes back to version 2 and an empty feed, and hands out more
        // than north had seen before north asks again: version 3 revokes A-1, 4 and 5 register A-5 and
        // A-6; feed ids 1 and 2 are admissions at south. The numbers alone no longer tell.
        world.Central.RestoreTo(ledgerVersion: 2, feedId: 0);
        world.Central.RevokeToken(revoked);
        world.Central.Register("A-5");
        world.Central.Register("A-6");
        world.Central.AddPassage("A-3", "south", "S-1", "admitted", hlc + 1, DateTimeOffset.UtcNow, seq: 2);
        world.Central.AddPassage("A-5", "south", "S-1", "admitted", hlc + 2, DateTimeOffset.UtcNow, seq: 3);

        await using var second = await world.StartEdgeAsync(options);
        await second.UntilAsync(s => s.LedgerVersion == 5 && s.PassagesCursor == 2 && s.RemotePassagesApplied == 2, "everything central has, from the start");

        Assert.Equal(ScanReason.Revoked, (await second.ScanAsync("G01", revoked)).Reason);
        Assert.Equal(ScanReason.AlreadyInside, (await second.ScanAsync("G01", enteredAtSouth)).Reason);
        Assert.True(world.Log.Contains(LogLevel.Warning, "restored from an older backup"), "the edge says why it asks for everything again");
    }

    [Fact]
    public async Task A_mark_is_shown_only_with_the_position_it_came_with_so_a_version_moved_without_one_is_not_taken_for_a_restore()
    {
        await using var world = await SyncWorld.StartAsync(output);
        world.Central.Register("A-1");
        var options = world.Edge("north");
        await using (var first = await world.StartEdgeAsync(options))
        {
            // Version 2 comes by /changes, with its mark.
            await world.Central.UntilAsync(c => c.IsPolling("north"), "north to follow the changes");
            world.Central.Register("A-2");
            await first.UntilAsync(s => s.LedgerVersion == 2, "version 2");
        }

        // Version 3 reached this edge without its mark (as an older build, or a newer snapshot file, moves it).
        world.Central.Register("A-3");
        world.Central.Register("A-4");
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(options.DataDirectory, "sync.db")};Pooling=False"))
        {
            await db.OpenAsync();
            await using var move = db.CreateCommand();
            move.CommandText = "UPDATE sync_meta SET value = 3 WHERE key = 'ledger_version'";
            await move.ExecuteNonQueryAsync();
        }

        await using var second = await world.StartEdgeAsync(options);
        await second.UntilAsync(s => s.LedgerVersion == 4, "version 4, the one change after 3");

        Assert.False(world.Log.Contains(LogLevel.Warning, "restored from an older backup"), "no start over: the mark of version 2 was not shown with version 3");
        Assert.True(second.Silo.Ledger.TryGet("A-4", out _), "A-4 arrived");
    }

    [Fact]
    public async Task A_passage_applied_while_its_page_failed_to_store_is_stored_as_applied_when_the_page_comes_again()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        var options = world.Edge("north");
        await using (var first = await world.StartEdgeAsync(options))
        {
            // A real failure of sync.db's write, once switched on: a trigger that aborts the page's transaction.
            await using (var db = new SqliteConnection($"Data Source={Path.Combine(options.DataDirectory, "sync.db")};Pooling=False"))
            {
                await db.OpenAsync();
                await using var setUp = db.CreateCommand();
                setUp.CommandText = """
                    CREATE TABLE failing(on_off INTEGER);
                    INSERT INTO failing VALUES (1);
                    CREATE TRIGGER fail_page BEFORE INSERT ON remote_passage WHEN (SELECT count(*) FROM failing) > 0
                    BEGIN SELECT RAISE(ABORT, 'test: the disk is full'); END;
                    """;
                await setUp.ExecuteNonQueryAsync();

                world.Central.AddPassage("A-1", "south", "S-1", "admitted", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 16, DateTimeOffset.UtcNow, seq: 1);
                await first.UntilAsync(s => s.LastError?.Contains("the disk is full", StringComparison.Ordinal) == true, "the page's store to fail");
                await using var heal = db.CreateCommand();
                heal.CommandText = "DELETE FROM failing";
                await heal.ExecuteNonQueryAsync();
            }

            await first.UntilAsync(s => s.PassagesCursor == 1, "the page to be stored");
            Assert.Equal(ScanReason.AlreadyInside, (await first.ScanAsync("G01", badge)).Reason);
        }

        var offline = SyncedEdge.OptionsFor(options.DataDirectory, "north", SyncedEdge.Fast(Unreachable, options.Central.Token!));
        await using var second = await world.StartEdgeAsync(offline, sync: false);

        Assert.Equal(1, second.Silo.Startup.RemotePassages);
        Assert.Equal(ScanReason.AlreadyInside, (await second.ScanAsync("G02", badge)).Reason);
    }

    [Fact]
    public async Task A_standalone_edge_neither_downloads_nor_writes_any_sync_state()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var seed = world.Directory.File("seed.jsonl");
        world.Keys.Add("A-1");
        await world.Keys.WriteAsync(seed);
        var options = SyncedEdge.OptionsFor(world.Directory.File("alone"), "alone", new CentralSyncOptions(), seed);

        await using var edge = await world.StartEdgeAsync(options, sync: false);

        Assert.Null(edge.Silo.Sync);
        Assert.Null(edge.Silo.SyncStatus);
        Assert.Equal(seed, edge.Silo.Startup.LedgerSource);
        Assert.False(File.Exists(Path.Combine(options.DataDirectory, "sync.db")));
        Assert.False(File.Exists(Path.Combine(options.DataDirectory, "ledger.jsonl")));
        Assert.Equal(0, world.Central.Requests(Snapshot));
    }
}
