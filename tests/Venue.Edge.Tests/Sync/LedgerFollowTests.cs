using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;

namespace Venue.Edge.Tests.Sync;

/// <summary>Ledger changes and other edges' passages come down from central and change what the edge answers.</summary>
public sealed class LedgerFollowTests(ITestOutputHelper output)
{
    private const string Changes = "GET /v1/sync/changes";

    private static Task UntilAtVersionAsync(SyncedEdge edge, long version) =>
        edge.UntilAsync(s => s.LedgerVersion >= version, $"ledger version {version}");

    [Fact]
    public async Task A_newly_registered_attendee_joins_the_edges_ledger()
    {
        await using var world = await SyncWorld.StartAsync(output);
        world.Central.Register("A-1");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));

        var badge = world.Central.Register("A-9", name: "Grace Hopper");
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);
        var scan = await edge.ScanAsync("G01", badge);

        Assert.True(edge.Silo.Ledger.TryGet("A-9", out var record));
        Assert.Equal("Grace Hopper", record.Name);
        Assert.Equal((ScanReason.Admitted, "Grace Hopper"), (scan.Reason, scan.Attendee?.Name));
    }

    [Fact]
    public async Task A_badge_reissued_at_central_replaces_the_old_one_at_the_edge()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var lost = world.Central.Register("A-1");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));

        var reissued = world.Central.Register("A-1");
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);
        var old = await edge.ScanAsync("G01", lost);
        var current = await edge.ScanAsync("G01", reissued);

        Assert.Equal(ScanReason.Revoked, old.Reason);
        Assert.Equal(ScanReason.Admitted, current.Reason);
    }

    [Fact]
    public async Task An_edge_told_not_to_long_poll_asks_at_its_retry_pace_not_in_a_tight_loop()
    {
        await using var world = await SyncWorld.StartAsync(output);
        world.Central.Register("A-1");
        using var sent = new SendTimes();
        await using var edge = await world.StartEdgeAsync(world.Edge("north", c =>
        {
            c.ChangesWait = TimeSpan.Zero;
            c.RetryMin = c.RetryMax = TimeSpan.FromMilliseconds(250);
        }), centralHandler: sent);
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);

        // Counted, not timed: a few more asks, however long a busy machine takes to make them, and each
        // sent at least the retry pace after the one before (a tight loop asks within a few ms). Sending
        // times are taken at the edge, where the pause is: central's arrival times carry its own delays.
        // Only asks answered "nothing new" are paced, so the gaps start after the catch-up ones.
        const int Gaps = 4;
        var before = sent.Count(Changes);
        await Eventually.UntilAsync(() => Task.FromResult(sent.Count(Changes) >= before + Gaps + 1), TimeSpan.FromSeconds(30),
            () => $"{Gaps + 1} more asks for changes (the edge has sent {sent.Count(Changes) - before})");
        var times = sent.Of(Changes).Skip(before).Take(Gaps + 1).ToList();
        var gaps = times.Zip(times.Skip(1), (a, b) => Stopwatch.GetElapsedTime(a, b)).ToList();

        output.WriteLine($"gaps between asks: {string.Join(", ", gaps.Select(g => $"{g.TotalMilliseconds:0} ms"))}");
        // Under 250 ms by a margin for the few instructions between the edge's clock reading and the send.
        Assert.All(gaps, g => Assert.True(g >= TimeSpan.FromMilliseconds(200), $"asked again {g.TotalMilliseconds:0} ms after the ask before"));
    }

    /// <summary>The real socket handler, noting when each request goes out (Stopwatch timestamps per "METHOD /path").</summary>
    private sealed class SendTimes() : DelegatingHandler(new SocketsHttpHandler())
    {
        private readonly ConcurrentDictionary<string, ConcurrentQueue<long>> _times = new(StringComparer.Ordinal);

        public int Count(string route) => _times.TryGetValue(route, out var times) ? times.Count : 0;

        public IReadOnlyList<long> Of(string route) => _times.TryGetValue(route, out var times) ? [.. times] : [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            _times.GetOrAdd($"{request.Method} {request.RequestUri!.AbsolutePath}", _ => new()).Enqueue(Stopwatch.GetTimestamp());
            return base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task A_token_revoked_at_central_is_refused_at_the_edge()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));

        world.Central.RevokeToken(badge);
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);
        var scan = await edge.ScanAsync("G01", badge);

        Assert.Equal((false, ScanReason.Revoked), (scan.Passed, scan.Reason));
    }

    [Fact]
    public async Task An_admission_at_another_edge_makes_the_badge_already_inside_here_and_moves_this_edges_clock_past_it()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));
        // South's clock runs an hour ahead of north's: north's next entries must still come after it.
        var southHlc = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds() << 16;

        world.Central.AddPassage("A-1", "south", "S-1", "admitted", southHlc, DateTimeOffset.UtcNow);
        await edge.UntilAsync(s => s.RemotePassagesApplied == 1, "south's admission");
        var scan = await edge.ScanAsync("G01", badge);
        var presence = await edge.Silo.GetPresenceAsync("A-1");

        Assert.Equal(ScanReason.AlreadyInside, scan.Reason);
        Assert.Equal((true, 1, "S-1"), (presence.Inside, presence.Entries, presence.LastGate));
        Assert.True(edge.Silo.Journal.ReadAll().Last().Hlc > southHlc, "north's entry is stamped after south's passage");
        // An hour is no network delay: the operator hears that one of the two clocks is wrong.
        Assert.True(world.Log.Contains(LogLevel.Warning, "A passage from edge south is stamped 60 minutes ahead of this edge's clock"),
            string.Join(Environment.NewLine, world.Log.Entries.Select(e => e.Message)));
    }

    [Fact]
    public async Task A_remote_passage_stamped_seconds_ahead_moves_the_clock_without_a_warning()
    {
        await using var world = await SyncWorld.StartAsync(output);
        world.Central.Register("A-1");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));
        var southHlc = DateTimeOffset.UtcNow.AddSeconds(20).ToUnixTimeMilliseconds() << 16;

        world.Central.AddPassage("A-1", "south", "S-1", "admitted", southHlc, DateTimeOffset.UtcNow);
        await edge.UntilAsync(s => s.RemotePassagesApplied == 1, "south's admission");

        Assert.False(world.Log.Contains(LogLevel.Warning, "ahead of this edge's clock"), "a clock 20 s apart was reported as wrong");
    }

    public static TheoryData<long> Implausible => [long.MaxValue, HybridLogicalClock.MaxPlausible, HybridLogicalClock.MaxFollowed + 1];

    [Theory]
    [MemberData(nameof(Implausible))]
    public async Task A_remote_passage_stamped_about_the_year_3000_is_skipped_and_the_clock_does_not_follow_it(long hlc)
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        world.Central.Register("A-2");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));

        // A hostile or broken edge: followed, every clock would count on from there, overflowing from
        // near long.MaxValue, or stamping every later entry where central refuses it.
        world.Central.AddPassage("A-1", "south", "S-1", "admitted", hlc, DateTimeOffset.UtcNow);
        world.Central.AddPassage("A-2", "south", "S-1", "admitted", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() << 16, DateTimeOffset.UtcNow);
        await edge.UntilAsync(s => s.RemotePassagesApplied == 1, "south's plausible admission");
        var scan = await edge.ScanAsync("G01", badge);

        Assert.Equal(ScanReason.Admitted, scan.Reason);
        Assert.InRange(edge.Silo.Journal.ReadAll().Last().Hlc, 1, HybridLogicalClock.MaxFollowed);
        Assert.True(world.Log.Contains(LogLevel.Error, "Passage from central skipped"), string.Join(Environment.NewLine, world.Log.Entries.Select(e => e.Message)));
    }

    [Fact]
    public async Task A_remote_passage_older_than_this_edges_own_is_ignored()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));
        await edge.ScanAsync("G01", badge);
        var exit = await edge.ScanAsync("G01", badge, ScanDirection.Exit);
        var exitHlc = edge.Silo.Journal.ReadAll().Single(e => e.Sequence == exit.JournalSequence).Hlc;

        var stale = world.Central.AddPassage("A-1", "south", "S-1", "admitted", exitHlc - 1, DateTimeOffset.UtcNow);
        await edge.UntilAsync(s => s.PassagesCursor >= stale, "south's stale admission to arrive");
        var again = await edge.ScanAsync("G02", badge);

        Assert.Equal(0, edge.Silo.SyncStatus!.RemotePassagesApplied);
        Assert.Equal(ScanReason.Admitted, again.Reason);
    }

    [Fact]
    public async Task A_day_pass_admitted_elsewhere_and_let_out_here_as_not_inside_is_refused_reentry_here_also_after_a_restart()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1", ticketType: "day-pass");
        var options = world.Edge("north");
        await using (var first = await world.StartEdgeAsync(options))
        {
            // Cut off from south, which admitted the day pass: the holder walks out here (nobody is kept in).
            await first.ScanAsync("G01", badge, ScanDirection.Exit);
            var exit = await first.ScanAsync("G01", badge, ScanDirection.Exit);
            var exitHlc = first.Silo.Journal.ReadAll().Single(e => e.Sequence == exit.JournalSequence).Hlc;
            Assert.Equal(ScanReason.NotInside, exit.Reason);

            // The link heals: south's admission is older than the exit, so it moves nobody, but the pass has been used.
            var older = world.Central.AddPassage("A-1", "south", "S-1", "admitted", exitHlc - 1, DateTimeOffset.UtcNow);
            await first.UntilAsync(s => s.PassagesCursor >= older, "south's older admission to arrive");
            var again = await first.ScanAsync("G02", badge);

            Assert.Equal(ScanReason.ReentryNotAllowed, again.Reason);
        }

        await using var second = await world.StartEdgeAsync(options);
        var afterRestart = await second.ScanAsync("G02", badge);

        Assert.Equal(ScanReason.ReentryNotAllowed, afterRestart.Reason);
    }

    [Fact]
    public async Task Changes_larger_than_a_page_arrive_over_several_answers()
    {
        await using var world = await SyncWorld.StartAsync(output);
        world.Central.Register("A-1");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));
        world.Central.PageSize = 2;

        for (var i = 0; i < 5; i++)
        {
            world.Central.Register($"B-{i}");
        }

        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);

        Assert.All(Enumerable.Range(0, 5), i => Assert.True(edge.Silo.Ledger.TryGet($"B-{i}", out _), $"B-{i} in the ledger"));
    }

    [Fact]
    public async Task Malformed_answers_from_central_are_logged_and_asked_again()
    {
        await using var world = await SyncWorld.StartAsync(output);
        world.Central.Register("A-1");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));
        await world.Central.UntilAsync(c => c.IsPolling("north"), "north to poll for changes");

        world.Central.MalformedNext(Changes, times: 2);
        world.Central.Register("A-2");
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);
        world.Central.Register("A-3");
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);

        Assert.True(edge.Silo.Ledger.TryGet("A-3", out _));
        Assert.True(world.Log.Contains(LogLevel.Warning, "not venue-sync/1 JSON"), "the malformed answer is logged");
        // The held request, two malformed answers, then the one that brought A-3.
        Assert.True(world.Central.Requests(Changes) >= 4, $"asked again after each malformed answer ({world.Central.Requests(Changes)} requests)");
    }

    [Fact]
    public async Task An_attendee_of_a_ticket_type_the_edge_does_not_know_is_skipped_loudly_and_the_rest_applies()
    {
        await using var world = await SyncWorld.StartAsync(output);
        world.Central.Register("A-1");
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));

        world.Central.Register("A-7", ticketType: "backstage");
        world.Central.Register("A-8");
        await UntilAtVersionAsync(edge, world.Central.LedgerVersion);

        Assert.False(edge.Silo.Ledger.TryGet("A-7", out _));
        Assert.True(edge.Silo.Ledger.TryGet("A-8", out _));
        Assert.True(world.Log.Contains(LogLevel.Error, "unknown ticket type 'backstage'"), "the skipped attendee is logged as an error");
    }

    [Fact]
    public async Task This_edges_own_passages_relayed_back_are_not_applied_again()
    {
        await using var world = await SyncWorld.StartAsync(output);
        var badge = world.Central.Register("A-1");
        world.Central.SkipOwnPassages = false;
        await using var edge = await world.StartEdgeAsync(world.Edge("north"));
        await edge.ScanAsync("G01", badge);
        var entry = edge.Silo.Journal.ReadAll().Single();

        var relayed = world.Central.AddPassage("A-1", "north", "G01", "admitted", entry.Hlc + 1, entry.At, seq: entry.Sequence);
        await edge.UntilAsync(s => s.PassagesCursor >= relayed, "the relayed passage");
        var presence = await edge.Silo.GetPresenceAsync("A-1");

        Assert.Equal(1, presence.Entries);
        Assert.Equal(0, edge.Silo.SyncStatus!.RemotePassagesApplied);
    }
}
