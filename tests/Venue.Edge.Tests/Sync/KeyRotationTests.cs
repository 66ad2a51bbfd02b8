using Microsoft.Extensions.Logging;
using Venue.Domain.CheckIn;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Edge.Sync;
using Venue.Edge.Tests.Infrastructure;

namespace Venue.Edge.Tests.Sync;

/// <summary>
/// A key rotated (or retired) at central reaches edges that already hold a ledger: they honour
/// exactly central's keys, live and after a restart.
/// </summary>
public sealed class KeyRotationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static Task UntilAtVersionAsync(SyncedEdge edge, long version) =>
        edge.UntilAsync(s => s.LedgerVersion >= version, $"ledger version {version}");

    private static string Issue(TicketSigningKey key, string attendeeId) =>
        key.Issue(new BadgeClaims(key.KeyId, TestLedger.EventId, attendeeId, "general",
            TestLedger.DefaultFrom.ToUnixTimeSeconds(), TestLedger.DefaultUntil.ToUnixTimeSeconds()));

    private static Task UntilKeysAsync(SyncedEdge edge, params string[] keyIds) =>
        Eventually.UntilAsync(() => Task.FromResult(edge.Silo.Ledger.Keys.KeyIds.Order(StringComparer.Ordinal).SequenceEqual(keyIds)), Patience,
            () => $"the edge to honour {string.Join(", ", keyIds)} (it honours {string.Join(", ", edge.Silo.Ledger.Keys.KeyIds)})");

    [Fact]
    public async Task A_rotation_at_central_reaches_a_running_edge_which_admits_the_new_key_s_badges_and_refuses_the_retired_key_s()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var known = world.Central.Register("A-1");
        var options = world.Edge("north");
        await using var edge = await world.StartEdgeAsync(options);
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);
        // Before the rotation a badge signed with k1 for someone the edge has not heard of gets in (registered after the last sync).
        var beforeRotation = await edge.ScanAsync("G01", Issue(world.Keys.Key, "W-0"));

        // Central restarted on k2 with k1 left out of PreviousPublicKeyPaths (it leaked).
        using var k2 = TicketSigningKey.Create("k2");
        world.Central.RotateTo(k2);
        world.Central.Register("A-2");
        await UntilKeysAsync(edge, "k2");
        var newKey = await edge.ScanAsync("G01", Issue(k2, "W-1"));
        var retiredKey = await edge.ScanAsync("G01", Issue(world.Keys.Key, "W-2"));
        // A badge the ledger holds exactly is its attendee's whatever key signed it: nobody's printed badge stops working.
        var printedBefore = await edge.ScanAsync("G01", known);

        Assert.Equal(ScanReason.Admitted, beforeRotation.Reason);
        Assert.Equal(ScanReason.Admitted, newKey.Reason);
        Assert.Equal(ScanReason.InvalidSignature, retiredKey.Reason);
        Assert.Equal(ScanReason.Admitted, printedBefore.Reason);
        Assert.True(world.Log.Contains(LogLevel.Warning, "no longer honoured: k1"), "the change of keys is logged");
        // The edge's own snapshot holds them, so a restart starts on central's keys without waiting for it.
        var stored = await LedgerSnapshot.ReadFileAsync(Path.Combine(options.DataDirectory, "ledger.jsonl"));
        Assert.Equal(["k2"], stored.Keys.KeyIds);
    }

    [Fact]
    public async Task After_a_rotation_an_edge_restarted_on_its_own_ledger_holds_the_new_key_and_not_the_retired_one()
    {
        await using var world = await SyncWorld.StartAsync(output);
        world.Central.Register("A-1");
        var options = world.Edge("north");
        await using (var first = await world.StartEdgeAsync(options))
        {
            await UntilAtVersionAsync(first, world.Central.LedgerVersion);
        }

        using var k2 = TicketSigningKey.Create("k2");
        world.Central.RotateTo(k2, world.Keys.Key);
        using var k3 = TicketSigningKey.Create("k3");
        world.Central.RotateTo(k3, k2);
        world.Central.Register("A-2");

        await using var edge = await world.StartEdgeAsync(options);
        await UntilKeysAsync(edge, "k2", "k3");
        var newest = await edge.ScanAsync("G01", Issue(k3, "W-3"));
        var previous = await edge.ScanAsync("G01", Issue(k2, "W-2"));
        var retired = await edge.ScanAsync("G01", Issue(world.Keys.Key, "W-1"));

        Assert.Equal((ScanReason.Admitted, ScanReason.Admitted, ScanReason.InvalidSignature), (newest.Reason, previous.Reason, retired.Reason));
    }

    [Fact]
    public async Task A_key_list_the_edge_cannot_hold_is_logged_and_the_edge_keeps_its_keys_and_follows_changes()
    {
        await using var world = await SyncWorld.StartAsync(output);
        world.Central.Register("A-1");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);

        world.Central.ServeKeys([new LedgerKey("k2", Convert.ToBase64String("not a key"u8.ToArray()))]);
        var registered = world.Central.Register("A-2");
        await Eventually.UntilAsync(() => Task.FromResult(world.Log.Contains(LogLevel.Error, "cannot be held")), Patience, "the refused key list logged");
        var later = world.Central.Register("A-3");
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);

        Assert.Equal(["k1"], edge.Silo.Ledger.Keys.KeyIds);
        Assert.Equal(ScanReason.Admitted, (await edge.ScanAsync("G01", registered)).Reason);
        Assert.Equal(ScanReason.Admitted, (await edge.ScanAsync("G01", later)).Reason);
        Assert.Single(world.Log.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("cannot be held", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Keys_central_cannot_hand_out_leave_the_uplink_online_and_are_fetched_once_they_can_be()
    {
        await using var world = await SyncWorld.StartAsync(output);
        world.Central.Register("A-1");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);

        world.Central.KeysUnavailable = true;
        using var k2 = TicketSigningKey.Create("k2");
        world.Central.RotateTo(k2);
        world.Central.Register("A-2");
        await Eventually.UntilAsync(() => Task.FromResult(world.Log.Contains(LogLevel.Warning, "could not be fetched")), Patience, "the failed fetch logged");
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);
        var status = edge.Sync.GetStatus();

        Assert.Equal(["k1"], edge.Silo.Ledger.Keys.KeyIds);
        // The page was applied and stored: a failed key fetch is not a failing uplink.
        Assert.Equal(SyncStatus.Online, status.Status);
        Assert.Null(status.LastError);

        world.Central.KeysUnavailable = false;
        world.Central.Register("A-3");
        await UntilKeysAsync(edge, "k2");
    }

    [Fact]
    public async Task A_central_that_sends_no_key_fingerprint_leaves_the_edge_s_keys_as_its_snapshot_gave_them()
    {
        await using var world = await SyncWorld.StartAsync(output);
        world.Central.Register("A-1");
        world.Central.SendsKeysHeader = false;
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);

        using var k2 = TicketSigningKey.Create("k2");
        world.Central.RotateTo(k2);
        world.Central.Register("A-2");
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);

        Assert.Equal(["k1"], edge.Silo.Ledger.Keys.KeyIds);
    }
}
