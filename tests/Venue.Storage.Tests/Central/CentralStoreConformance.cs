using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Devices;
using Venue.Domain.Journal;
using Venue.Domain.Ledger;
using Venue.Runtime;
using Venue.Runtime.Storage;
using Xunit.Abstractions;

namespace Venue.Storage.Tests.Central;

/// <summary>
/// What every <see cref="ICentralStore"/> must do, run against each implementation (the
/// subclasses). Each test gets a fresh, migrated, empty store of its own.
/// </summary>
public abstract class CentralStoreConformance(ITestOutputHelper output) : IAsyncLifetime
{
    protected static readonly TimeSpan LateAfter = TimeSpan.FromMinutes(5);

    private ICentralStore? _store;

    protected ITestOutputHelper Output { get; } = output;

    protected ManualTimeProvider Time { get; } = new();

    protected DateTimeOffset T0 => new(2030, 6, 1, 9, 0, 0, TimeSpan.Zero);

    protected ICentralStore Store => _store ?? throw new InvalidOperationException("The store was not created.");

    /// <summary>True when the store under test could be created; otherwise the test was skipped (or failed on CI).</summary>
    protected bool Ready { get; private set; }

    /// <summary>A fresh, migrated, empty store, or null when what it needs is missing (the subclass says why).</summary>
    protected abstract Task<ICentralStore?> CreateStoreAsync();

    /// <summary>Called when <see cref="CreateStoreAsync"/> gave null: skips the test, or fails it on CI.</summary>
    protected abstract bool RequirementMet();

    /// <summary>Another store over the same database, as a second process would open it.</summary>
    protected abstract Task<ICentralStore> OpenSecondStoreAsync();

    public async Task InitializeAsync()
    {
        _store = await CreateStoreAsync();
        Ready = _store is not null || RequirementMet();
    }

    public virtual async Task DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
    }

    // ---- schema

    [Fact]
    public async Task Migrating_again_and_concurrently_changes_nothing_and_reports_the_same_version()
    {
        if (!Ready) return;
        await Store.UpsertAttendeesAsync([Attendee("a1")], [], T0);

        await using var second = await OpenSecondStoreAsync();
        var versions = await Task.WhenAll(Store.MigrateAsync(), second.MigrateAsync(), Store.MigrateAsync());

        Assert.True(versions[0] >= 1);
        Assert.All(versions, v => Assert.Equal(versions[0], v));
        Assert.Equal(1, await Store.CountAttendeesAsync());
        Assert.Equal(1, await second.CountAttendeesAsync());
    }

    [Fact]
    public async Task One_central_at_a_time_claims_the_store_and_the_next_one_may_once_it_lets_go()
    {
        if (!Ready) return;
        await using var second = await OpenSecondStoreAsync();

        var first = await Store.ClaimAsync();
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => second.ClaimAsync());
        Assert.Contains("Another central is running", refused.Message, StringComparison.Ordinal);
        Assert.True(await first.RenewAsync());

        await first.DisposeAsync();
        await using var next = await second.ClaimAsync();
        Assert.True(await next.RenewAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.ClaimAsync());
        // A claim let go is never taken again by renewing it.
        await Assert.ThrowsAsync<ObjectDisposedException>(() => first.RenewAsync());
    }

    [Fact]
    public async Task The_event_is_created_once_and_may_be_renamed()
    {
        if (!Ready) return;
        await Store.EnsureEventAsync("expo-2030", "Expo", T0);
        await Store.EnsureEventAsync("expo-2030", "Expo 2030", T0.AddHours(1));
    }

    // ---- registration and the ledger

    [Fact]
    public async Task Upserted_attendees_read_back_as_given_with_ascending_versions()
    {
        if (!Ready) return;
        var given = new[]
        {
            Attendee("a1", gates: ["north", "south"], validFrom: T0.AddHours(-1), validUntil: T0.AddDays(2)),
            Attendee("a2", email: null, company: null),
            Attendee("a3", status: AttendeeStatus.Revoked),
        };

        var stored = await Store.UpsertAttendeesAsync(given, [], T0);

        Assert.Equal(["a1", "a2", "a3"], stored.Select(a => a.Id));
        Assert.Equal([1L, 2L, 3L], stored.Select(a => a.Version));
        Assert.All(stored, a => Assert.Equal(T0, a.UpdatedAt));
        Assert.Equal(3, await Store.GetLedgerVersionAsync());
        Assert.Equal(3, await Store.CountAttendeesAsync());
        for (var i = 0; i < given.Length; i++)
        {
            var read = await Store.GetAttendeeAsync(given[i].Id);
            AssertSameAttendee(given[i] with { Version = i + 1, UpdatedAt = T0 }, read);
        }

        Assert.Null(await Store.GetAttendeeAsync("nobody"));
    }

    [Fact]
    public async Task Changing_an_attendee_gives_the_row_the_next_version_and_keeps_one_row()
    {
        if (!Ready) return;
        await Store.UpsertAttendeesAsync([Attendee("a1"), Attendee("a2")], [], T0);

        var changed = await Store.UpsertAttendeesAsync([Attendee("a1", name: "Ada Renamed", token: "tok-2")], [Hash("tok-a1")], T0.AddMinutes(1));

        Assert.Equal(3, Assert.Single(changed).Version);
        var read = await Store.GetAttendeeAsync("a1");
        Assert.Equal("Ada Renamed", read!.Name);
        Assert.Equal("tok-2", read.Token);
        Assert.Equal(3, read.Version);
        Assert.Equal(T0.AddMinutes(1), read.UpdatedAt);
        Assert.Equal(2, await Store.CountAttendeesAsync());
        Assert.Equal(4, await Store.GetLedgerVersionAsync());
    }

    [Fact]
    public async Task Upserting_is_all_or_nothing_when_a_row_is_refused_midway()
    {
        if (!Ready) return;
        await Store.UpsertAttendeesAsync([Attendee("a1")], [], T0);

        // Ids are at most 128 characters (the sync wire's limit); the database refuses the third row.
        var batch = new[] { Attendee("a1", name: "Changed"), Attendee("a2"), Attendee(new string('x', 200)) };
        await Assert.ThrowsAnyAsync<Exception>(() => Store.UpsertAttendeesAsync(batch, [Hash("t1")], T0));

        Assert.Equal("Ada a1", (await Store.GetAttendeeAsync("a1"))!.Name);
        Assert.Null(await Store.GetAttendeeAsync("a2"));
        Assert.Equal(1, await Store.CountAttendeesAsync());
        Assert.Equal(1, await Store.GetLedgerVersionAsync());
        var changes = await Store.ReadLedgerChangesAsync(0, 100);
        Assert.Empty(changes.RevokedTokens);
    }

    [Fact]
    public async Task Ledger_changes_come_in_pages_that_end_at_the_limit_and_carry_the_revocations_of_their_range()
    {
        if (!Ready) return;
        // Versions: a1 1, a2 2, t1 3 | a3 4, a4 5 | t2 6, t3 7 | a5 8
        await Store.UpsertAttendeesAsync([Attendee("a1"), Attendee("a2")], [Hash("t1")], T0);
        await Store.UpsertAttendeesAsync([Attendee("a3"), Attendee("a4")], [], T0);
        await Store.UpsertAttendeesAsync([], [Hash("t2"), Hash("t3")], T0);
        await Store.UpsertAttendeesAsync([Attendee("a5")], [], T0);
        Assert.Equal(8, await Store.GetLedgerVersionAsync());

        var first = await Store.ReadLedgerChangesAsync(0, 2);
        Assert.Equal(["a1", "a2"], first.Attendees.Select(a => a.Id));
        Assert.Empty(first.RevokedTokens);
        Assert.Equal(2, first.Version);
        Assert.True(first.More);

        var second = await Store.ReadLedgerChangesAsync(first.Version, 2);
        Assert.Equal(["a3", "a4"], second.Attendees.Select(a => a.Id));
        Assert.Equal([Hash("t1")], second.RevokedTokens);
        Assert.Equal(5, second.Version);
        Assert.True(second.More);

        // One attendee fits, but the revocations overflow the limit: the page ends at the first of them.
        var third = await Store.ReadLedgerChangesAsync(second.Version, 1);
        Assert.Empty(third.Attendees);
        Assert.Equal([Hash("t2")], third.RevokedTokens);
        Assert.Equal(6, third.Version);
        Assert.True(third.More);

        var last = await Store.ReadLedgerChangesAsync(third.Version, 2);
        Assert.Equal(["a5"], last.Attendees.Select(a => a.Id));
        Assert.Equal([Hash("t3")], last.RevokedTokens);
        Assert.Equal(8, last.Version);
        Assert.False(last.More);

        var none = await Store.ReadLedgerChangesAsync(last.Version, 2);
        Assert.Empty(none.Attendees);
        Assert.Empty(none.RevokedTokens);
        Assert.Equal(8, none.Version);
        Assert.False(none.More);

        // A changed attendee moves to the end of the ledger.
        await Store.UpsertAttendeesAsync([Attendee("a1", name: "Ada Again")], [], T0);
        var moved = await Store.ReadLedgerChangesAsync(8, 10);
        Assert.Equal("Ada Again", Assert.Single(moved.Attendees).Name);
        Assert.Equal(9, moved.Version);
    }

    [Fact]
    public async Task A_ledger_snapshot_stays_at_its_version_while_writes_go_on()
    {
        if (!Ready) return;
        const int count = 2_345;
        await Store.UpsertAttendeesAsync([.. Enumerable.Range(0, count).Select(i => Attendee($"a{i:D5}"))], [Hash("t1"), Hash("t2"), Hash("t3")], T0);
        var version = await Store.GetLedgerVersionAsync();

        await using var snapshot = await Store.OpenLedgerSnapshotAsync();
        Assert.Equal(version, snapshot.Version);

        await Store.UpsertAttendeesAsync([Attendee("a00007", name: "Changed later"), Attendee("late-comer")], [Hash("t4")], T0.AddMinutes(1));

        // The two streams may be interleaved.
        var attendees = new List<RegisteredAttendee>();
        var tokens = new List<UInt128>();
        await using (var a = snapshot.ReadAttendeesAsync().GetAsyncEnumerator())
        {
            for (var i = 0; i < 10 && await a.MoveNextAsync(); i++)
            {
                attendees.Add(a.Current);
            }

            await foreach (var token in snapshot.ReadRevokedTokensAsync())
            {
                tokens.Add(token);
            }

            while (await a.MoveNextAsync())
            {
                attendees.Add(a.Current);
            }
        }

        Assert.Equal(count, attendees.Count);
        Assert.Equal(count, attendees.Select(a => a.Id).Distinct().Count());
        Assert.DoesNotContain(attendees, a => a.Id == "late-comer");
        Assert.Equal("Ada a00007", attendees.Single(a => a.Id == "a00007").Name);
        Assert.All(attendees, a => Assert.True(a.Version <= snapshot.Version));
        Assert.Equal(new[] { Hash("t1"), Hash("t2"), Hash("t3") }.Order(), tokens.Order());

        await using var later = await Store.OpenLedgerSnapshotAsync();
        Assert.Equal(version + 3, later.Version);
        Assert.Equal(count + 1, await CountAsync(later.ReadAttendeesAsync()));
        Assert.Equal(4, await CountAsync(later.ReadRevokedTokensAsync()));
    }

    [Fact]
    public async Task A_reader_following_ledger_versions_during_concurrent_registrations_misses_no_attendee()
    {
        if (!Ready) return;
        const int writers = 3, batches = 25, perBatch = 8;
        var done = 0;

        async Task Write(int writer)
        {
            for (var b = 0; b < batches; b++)
            {
                await Store.UpsertAttendeesAsync([.. Enumerable.Range(0, perBatch).Select(i => Attendee($"w{writer}-{b}-{i}"))], [Hash($"w{writer}-{b}")], T0);
            }

            Interlocked.Increment(ref done);
        }

        var seen = new HashSet<string>();
        var seenTokens = new HashSet<UInt128>();
        async Task Follow()
        {
            var version = 0L;
            while (true)
            {
                var finished = Volatile.Read(ref done) == writers;
                var page = await Store.ReadLedgerChangesAsync(version, 50);
                Assert.True(page.Version >= version, "The ledger version went backwards.");
                seen.UnionWith(page.Attendees.Select(a => a.Id));
                seenTokens.UnionWith(page.RevokedTokens);
                version = page.Version;
                if (finished && !page.More)
                {
                    return;
                }

                await Task.Yield();
            }
        }

        await Task.WhenAll(Task.Run(() => Write(0)), Task.Run(() => Write(1)), Task.Run(() => Write(2)), Task.Run(Follow))
            .WithTimeout("three writers and a reader of the ledger");

        Assert.Equal(writers * batches * perBatch, seen.Count);
        Assert.Equal(writers * batches, seenTokens.Count);
    }

    // ---- check-ins

    [Fact]
    public async Task Ingesting_the_same_batch_twice_stores_each_entry_once()
    {
        if (!Ready) return;
        var batch = Entries(1, 5);

        var first = await Store.IngestAsync("north", batch, T0, LateAfter);
        var again = await Store.IngestAsync("north", batch, T0.AddSeconds(5), LateAfter);

        Assert.Equal(5, first.Inserted.Count);
        Assert.Equal(0, first.Duplicates);
        Assert.Equal(5, first.HighestContiguous);
        Assert.Empty(again.Inserted);
        Assert.Equal(5, again.Duplicates);
        Assert.Equal(5, again.HighestContiguous);
        Assert.Equal(5, (await Store.GetTotalsAsync()).Entries);
        Assert.Equal(5, await Store.GetLastFeedIdAsync());
        // The first receipt stands.
        Assert.All(await Store.ReadCheckInsAsync(0, 10, passagesOnly: false), c => Assert.Equal(T0, c.ReceivedAt));
    }

    [Theory]
    [InlineData("2030-06-01T09:00:00.1234567Z")]
    [InlineData("1985-06-01T09:00:00.0000005Z")] // an edge whose clock has no battery: before PostgreSQL's epoch (2000)
    public async Task An_ingested_time_reads_back_as_the_store_handed_it_to_the_live_feed_whole_microseconds_cut(string at)
    {
        if (!Ready) return;
        var when = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);

        var handed = Assert.Single((await Store.IngestAsync("north", [Entry(1, at: when)], T0, LateAfter)).Inserted);
        var read = Assert.Single(await Store.ReadCheckInsAsync(0, 10, passagesOnly: false));

        Assert.Equal(new DateTimeOffset(when.UtcTicks - when.UtcTicks % 10, TimeSpan.Zero), handed.Entry.At);
        Assert.Equal(handed.Entry.At, read.Entry.At);
        Assert.Equal(handed.Entry.ScannedAt, read.Entry.ScannedAt);
    }

    [Fact]
    public async Task Each_ledger_version_names_the_change_that_holds_it_and_a_superseded_one_names_none()
    {
        if (!Ready) return;
        await Store.UpsertAttendeesAsync([Attendee("a1"), Attendee("a2")], [], T0);
        await Store.UpsertAttendeesAsync([], [Hash("t1")], T0);
        await Store.UpsertAttendeesAsync([Attendee("a1")], [], T0);

        var marks = new List<string?>();
        for (var version = 1; version <= await Store.GetLedgerVersionAsync() + 1; version++)
        {
            marks.Add(await Store.GetLedgerMarkAsync(version));
        }

        // a1 took versions 1 then 4; a2 2; t1's revocation 3; version 5 is not handed out yet.
        Assert.Equal(5, marks.Count);
        Assert.Null(marks[0]);
        Assert.Equal("a:a2", marks[1]);
        Assert.StartsWith("r:", marks[2]);
        Assert.Equal("a:a1", marks[3]);
        Assert.Null(marks[4]);
    }

    [Fact]
    public async Task An_entry_is_read_back_by_its_feed_id()
    {
        if (!Ready) return;
        await Store.IngestAsync("north", [Entry(1), Entry(2)], T0, LateAfter);
        await Store.IngestAsync("south", [Entry(7, ScanReason.Exited)], T0, LateAfter);

        var third = await Store.GetCheckInByFeedIdAsync(3);

        Assert.Equal(("south", 7L, 3L), (third!.EdgeId, third.Entry.Sequence, third.FeedId));
        Assert.Equal(("north", 1L), ((await Store.GetCheckInByFeedIdAsync(1))!.EdgeId, (await Store.GetCheckInByFeedIdAsync(1))!.Entry.Sequence));
        Assert.Null(await Store.GetCheckInByFeedIdAsync(4));
    }

    [Fact]
    public async Task An_edges_entry_is_read_back_by_its_sequence_and_a_missing_one_is_null()
    {
        if (!Ready) return;
        await Store.IngestAsync("north", [Entry(1), Entry(2, ScanReason.Exited)], T0, LateAfter);
        await Store.IngestAsync("south", [Entry(2, ScanReason.UnknownTicket, attendee: null)], T0, LateAfter);

        var held = await Store.GetCheckInAsync("north", 2);

        Assert.NotNull(held);
        Assert.Equal(("north", 2L, 1_000_002L, "n-2", ScanReason.Exited), (held.EdgeId, held.Entry.Sequence, held.Entry.Hlc, held.Entry.Nonce, held.Entry.Reason));
        Assert.Equal(ScanReason.UnknownTicket, (await Store.GetCheckInAsync("south", 2))!.Entry.Reason);
        Assert.Null(await Store.GetCheckInAsync("north", 3));
        Assert.Null(await Store.GetCheckInAsync("east", 1));
    }

    [Fact]
    public async Task Entries_in_any_order_and_with_gaps_advance_the_contiguous_sequence_only_over_what_is_held()
    {
        if (!Ready) return;
        Assert.Equal(0, await Store.GetContiguousSequenceAsync("north"));

        Assert.Equal(1, (await Store.IngestAsync("north", [Entry(3), Entry(1)], T0, LateAfter)).HighestContiguous);
        Assert.Equal(1, (await Store.IngestAsync("north", [Entry(6), Entry(5)], T0, LateAfter)).HighestContiguous);
        Assert.Equal(3, (await Store.IngestAsync("north", [Entry(2)], T0, LateAfter)).HighestContiguous);
        var filled = await Store.IngestAsync("north", [Entry(4), Entry(4), Entry(8)], T0, LateAfter);
        Assert.Equal(6, filled.HighestContiguous);
        Assert.Equal(2, filled.Inserted.Count);
        Assert.Equal(1, filled.Duplicates);

        Assert.Equal(6, await Store.GetContiguousSequenceAsync("north"));
        Assert.Equal(0, await Store.GetContiguousSequenceAsync("south"));
        Assert.Equal(6, (await Store.IngestAsync("north", [], T0, LateAfter)).HighestContiguous);
        Assert.Equal(0, (await Store.IngestAsync("south", [Entry(2)], T0, LateAfter)).HighestContiguous);
    }

    [Fact]
    public async Task A_long_run_behind_a_filled_gap_is_taken_in_one_upload()
    {
        if (!Ready) return;
        await Store.IngestAsync("north", Entries(2, 12_000), T0, LateAfter);
        Assert.Equal(0, await Store.GetContiguousSequenceAsync("north"));

        var filled = await Store.IngestAsync("north", [Entry(1)], T0, LateAfter);

        Assert.Equal(12_001, filled.HighestContiguous);
    }

    [Fact]
    public async Task New_entries_get_ascending_feed_ids_in_sequence_order_and_read_back_as_given()
    {
        if (!Ready) return;
        var north = new[] { Entry(3), Entry(1, ScanReason.UnknownTicket, attendee: null), Entry(2, ScanReason.Exited) };

        var a = await Store.IngestAsync("north", north, T0, LateAfter);
        var b = await Store.IngestAsync("south", [Entry(1), Entry(2, ScanReason.AlreadyInside)], T0.AddSeconds(1), LateAfter);

        Assert.Equal([1L, 2L, 3L], a.Inserted.Select(c => c.Entry.Sequence));
        Assert.Equal([1L, 2L, 3L], a.Inserted.Select(c => c.FeedId));
        Assert.Equal([4L, 5L], b.Inserted.Select(c => c.FeedId));
        Assert.Equal(5, await Store.GetLastFeedIdAsync());

        var all = await Store.ReadCheckInsAsync(0, 100, passagesOnly: false);
        Assert.Equal([.. a.Inserted, .. b.Inserted], all);
        Assert.Equal(north.OrderBy(e => e.Sequence), all.Take(3).Select(c => c.Entry));
        Assert.All(all.Take(3), c => Assert.Equal("north", c.EdgeId));

        var page = await Store.ReadCheckInsAsync(2, 2, passagesOnly: false);
        Assert.Equal([3L, 4L], page.Select(c => c.FeedId));

        var passages = await Store.ReadCheckInsAsync(0, 100, passagesOnly: true);
        Assert.Equal([2L, 3L, 4L], passages.Select(c => c.FeedId));
        Assert.Empty(await Store.ReadCheckInsAsync(5, 100, passagesOnly: false));
    }

    [Fact]
    public async Task Streaming_check_ins_goes_through_every_page_in_feed_order()
    {
        if (!Ready) return;
        for (var start = 1; start <= 2_400; start += 800)
        {
            var batch = Entries(start, 800, seq => seq % 7 == 0 ? ScanReason.AlreadyInside : seq % 11 == 0 ? ScanReason.NotInside : seq % 2 == 0 ? ScanReason.Exited : ScanReason.Admitted);
            await Store.IngestAsync("north", batch, T0, LateAfter);
        }

        var everything = await ToListAsync(Store.StreamCheckInsAsync(0, passagesOnly: false));
        Assert.Equal(2_400, everything.Count);
        Assert.Equal(Enumerable.Range(1, 2_400).Select(i => (long)i), everything.Select(c => c.FeedId));
        Assert.Equal(await Store.ReadCheckInsAsync(0, 3_000, passagesOnly: false), everything);

        var passagesAfter = await ToListAsync(Store.StreamCheckInsAsync(1_000, passagesOnly: true));
        // Passages, and exits refused as not_inside: they too say where an attendee is.
        Assert.Equal(everything.Where(c => c.FeedId > 1_000 && c.Entry.Reason is ScanReason.Admitted or ScanReason.Exited or ScanReason.NotInside), passagesAfter);
        Assert.Contains(passagesAfter, c => c.Entry.Reason == ScanReason.NotInside);
        Assert.Empty(await ToListAsync(Store.StreamCheckInsAsync(2_400, passagesOnly: false)));
    }

    [Fact]
    public async Task Entries_received_long_after_they_happened_are_marked_late()
    {
        if (!Ready) return;
        var received = T0.AddMinutes(30);
        var batch = new[]
        {
            Entry(1, at: received - TimeSpan.FromMinutes(20)),
            Entry(2, at: received - TimeSpan.FromMinutes(5)),
            Entry(3, at: received - TimeSpan.FromSeconds(2)),
        };

        var result = await Store.IngestAsync("north", batch, received, LateAfter);

        Assert.Equal([true, false, false], result.Inserted.Select(c => c.Late));
        Assert.Equal([true, false, false], (await Store.ReadCheckInsAsync(0, 10, passagesOnly: false)).Select(c => c.Late));
        Assert.Equal(1, (await Store.GetTotalsAsync()).Late);
    }

    [Fact]
    public async Task Totals_count_entries_by_reason_and_by_edge()
    {
        if (!Ready) return;
        var empty = await Store.GetTotalsAsync();
        Assert.Equal(0, empty.Entries);
        Assert.Empty(empty.ByEdge);

        await Store.IngestAsync("north", [Entry(1), Entry(2), Entry(3, ScanReason.Revoked)], T0, LateAfter);
        await Store.IngestAsync("south", [Entry(1, ScanReason.Exited), Entry(2, at: T0.AddHours(-1))], T0, LateAfter);

        var totals = await Store.GetTotalsAsync();
        Assert.Equal(5, totals.Entries);
        Assert.Equal(1, totals.Late);
        Assert.Equal(3, totals.ByReason[ScanReason.Admitted]);
        Assert.Equal(1, totals.ByReason[ScanReason.Exited]);
        Assert.Equal(1, totals.ByReason[ScanReason.Revoked]);
        Assert.False(totals.ByReason.ContainsKey(ScanReason.AlreadyInside));
        Assert.Equal(3, totals.ByEdge["north"]);
        Assert.Equal(2, totals.ByEdge["south"]);
    }

    [Fact]
    public async Task A_reader_following_feed_ids_during_concurrent_ingests_never_sees_a_gap_that_later_fills()
    {
        if (!Ready) return;
        const int batches = 40, perBatch = 50;
        var done = 0;

        async Task Upload(string edge)
        {
            for (var b = 0; b < batches; b++)
            {
                await Store.IngestAsync(edge, Entries(1 + (b * perBatch), perBatch), T0, LateAfter);
            }

            Interlocked.Increment(ref done);
        }

        var observed = new List<long>();
        async Task Follow()
        {
            var last = 0L;
            while (true)
            {
                var finished = Volatile.Read(ref done) == 2;
                var page = await Store.ReadCheckInsAsync(last, 500, passagesOnly: false);
                foreach (var checkIn in page)
                {
                    // Feed ids are dense: a jump means an id below it was still uncommitted and would appear later.
                    Assert.True(checkIn.FeedId == last + 1, $"The reader saw feed id {checkIn.FeedId} right after {last}.");
                    last = checkIn.FeedId;
                    observed.Add(last);
                }

                if (finished && page.Count == 0)
                {
                    return;
                }

                await Task.Yield();
            }
        }

        await Task.WhenAll(Task.Run(() => Upload("north")), Task.Run(() => Upload("south")), Task.Run(Follow))
            .WithTimeout("two uploading edges and a reader of the feed");

        Assert.Equal(2 * batches * perBatch, observed.Count);
        Assert.Equal(2L * batches * perBatch, await Store.GetLastFeedIdAsync());
        Assert.Equal(batches * perBatch, await Store.GetContiguousSequenceAsync("north"));
        Assert.Equal(batches * perBatch, await Store.GetContiguousSequenceAsync("south"));
    }

    // ---- conflicts

    [Fact]
    public async Task Replacing_conflicts_keeps_survivors_with_their_ids_and_acknowledgements_adds_new_ones_and_removes_vanished_ones()
    {
        if (!Ready) return;
        var one = Conflict("a1", "south", 10);
        var two = Conflict("a1", "south", 20);
        var other = Conflict("a2", "north", 5);

        var added = await Store.ReplaceConflictsAsync("a1", [one, two]);
        await Store.ReplaceConflictsAsync("a2", [other]);
        Assert.Equal([one.Key, two.Key], added.Select(c => c.Key));
        Assert.True(added[0].Id > 0 && added[1].Id > added[0].Id);
        Assert.True(await Store.AcknowledgeConflictAsync(added[0].Id, "ops-anna", T0.AddMinutes(3)));

        var three = Conflict("a1", "east", 7);
        var again = await Store.ReplaceConflictsAsync("a1", [one with { DetectedAt = T0.AddHours(1) }, three]);

        Assert.Equal([three.Key], again.Select(c => c.Key));
        var list = await Store.ListConflictsAsync(0, 100);
        Assert.Equal([one.Key, other.Key, three.Key], list.Select(c => c.Key));
        var kept = list[0];
        Assert.Equal(added[0].Id, kept.Id);
        Assert.Equal(T0.AddMinutes(3), kept.AcknowledgedAt);
        Assert.Equal("ops-anna", kept.AcknowledgedBy);
        Assert.Equal(one.First, kept.First);
        Assert.Equal(one.Second, kept.Second);
        Assert.Equal(one.DetectedAt, kept.DetectedAt);
        Assert.True(list[2].Id > list[1].Id);
        Assert.Null(list[2].AcknowledgedAt);

        Assert.Empty(await Store.ReplaceConflictsAsync("a1", []));
        Assert.Equal([other.Key], (await Store.ListConflictsAsync(0, 100)).Select(c => c.Key));
        await Assert.ThrowsAsync<ArgumentException>(() => Store.ReplaceConflictsAsync("a1", [other]));
    }

    [Fact]
    public async Task Conflicts_are_listed_in_id_order_after_a_cursor_counted_and_acknowledged_once()
    {
        if (!Ready) return;
        for (var i = 0; i < 5; i++)
        {
            await Store.ReplaceConflictsAsync($"a{i}", [Conflict($"a{i}", "south", i + 1)]);
        }

        var all = await Store.ListConflictsAsync(0, 100);
        Assert.Equal(5, await Store.CountConflictsAsync());
        Assert.Equal(all.Select(c => c.Id).Order(), all.Select(c => c.Id));
        Assert.Equal(all.Skip(2).Take(2), await Store.ListConflictsAsync(all[1].Id, 2));

        Assert.True(await Store.AcknowledgeConflictAsync(all[3].Id, "ops-anna", T0));
        Assert.True(await Store.AcknowledgeConflictAsync(all[3].Id, "ops-ben", T0.AddMinutes(1)));
        var acknowledged = (await Store.ListConflictsAsync(all[2].Id, 1))[0];
        Assert.Equal("ops-anna", acknowledged.AcknowledgedBy);
        Assert.Equal(T0, acknowledged.AcknowledgedAt);
        Assert.False(await Store.AcknowledgeConflictAsync(all[^1].Id + 1000, "ops-anna", T0));
    }

    // ---- silos

    [Fact]
    public async Task Silos_are_upserted_by_id_and_listed()
    {
        if (!Ready) return;
        await Store.UpsertSiloAsync(Silo("south", "up", 10));
        await Store.UpsertSiloAsync(Silo("north", "up", 5));
        var updated = Silo("south", "degraded", 42) with { SyncLagMs = 1234.5 };
        await Store.UpsertSiloAsync(updated);

        var silos = await Store.ListSilosAsync();

        Assert.Equal(["north", "south"], silos.Select(s => s.SiloId));
        Assert.Equal(updated, silos[1]);
    }

    // ---- devices and API keys

    [Fact]
    public async Task Devices_are_created_authenticated_listed_and_revoked()
    {
        if (!Ready) return;
        var (edge, token) = await Store.Devices.CreateAsync("north edge", DeviceRole.Edge);
        var (ops, _) = await Store.Devices.CreateAsync("anna", DeviceRole.Ops);

        Assert.StartsWith(DeviceToken.Prefix, token, StringComparison.Ordinal);
        Assert.Equal(edge, await Store.Devices.AuthenticateAsync(token));
        DeviceToken.TryParse(token, out var id, out _);
        Assert.Null(await Store.Devices.AuthenticateAsync($"{DeviceToken.Prefix}{id}_wrong-secret"));
        Assert.Null(await Store.Devices.AuthenticateAsync("not a token"));
        Assert.Equal(new[] { edge.Id, ops.Id }.Order(), (await Store.Devices.ListAsync()).Select(d => d.Id).Order());

        Assert.True(await Store.Devices.RevokeAsync(edge.Id));
        Assert.False(await Store.Devices.RevokeAsync(edge.Id));
        Assert.Null(await Store.Devices.AuthenticateAsync(token));
        Assert.NotNull((await Store.Devices.ListAsync()).Single(d => d.Id == edge.Id).RevokedAt);
    }

    [Fact]
    public async Task Api_keys_authenticate_by_their_token_only_while_active()
    {
        if (!Ready) return;
        var (key, token) = await Store.CreateApiKeyAsync("badge printer", [ApiScope.AttendeesRead, ApiScope.CheckInsRead], 600, T0);
        var (other, otherToken) = await Store.CreateApiKeyAsync("dashboard", [ApiScope.StatsRead], 60, T0.AddMinutes(1));

        Assert.StartsWith(ApiKeyToken.Prefix, token, StringComparison.Ordinal);
        Assert.Equal(key.Id, (await Store.AuthenticateApiKeyAsync(token))?.Id);
        var authenticated = await Store.AuthenticateApiKeyAsync(otherToken);
        Assert.True(authenticated!.Allows(ApiScope.StatsRead));
        Assert.False(authenticated.Allows(ApiScope.AttendeesWrite));
        Assert.Equal(60, authenticated.RequestsPerMinute);

        Assert.Null(await Store.AuthenticateApiKeyAsync($"{ApiKeyToken.Prefix}{key.Id}_wrong-secret"));
        Assert.Null(await Store.AuthenticateApiKeyAsync(token.Replace(ApiKeyToken.Prefix, DeviceToken.Prefix, StringComparison.Ordinal)));
        Assert.Null(await Store.AuthenticateApiKeyAsync("vak_unknown_secret"));
        Assert.Null(await Store.AuthenticateApiKeyAsync(""));

        Assert.True(await Store.RevokeApiKeyAsync(key.Id, T0.AddHours(1)));
        Assert.False(await Store.RevokeApiKeyAsync(key.Id, T0.AddHours(2)));
        Assert.False(await Store.RevokeApiKeyAsync("unknown", T0));
        Assert.Null(await Store.AuthenticateApiKeyAsync(token));

        var keys = await Store.ListApiKeysAsync();
        Assert.Equal([key.Id, other.Id], keys.Select(k => k.Id));
        Assert.Equal(T0.AddHours(1), keys[0].RevokedAt);
        Assert.Equal(["attendees:read", "checkins:read"], keys[0].Scopes);
        Assert.Equal("badge printer", keys[0].Name);
        Assert.True(keys[1].IsActive);

        await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateApiKeyAsync("bad", ["everything"], 60, T0));
    }

    // ---- webhooks

    [Fact]
    public async Task Webhooks_are_created_listed_and_deleted_with_their_outbox()
    {
        if (!Ready) return;
        var hook = await Store.CreateWebhookAsync("https://crm.example/hooks", ["conflict.raised"], "s3cret", T0);
        var other = await Store.CreateWebhookAsync("http://badges.example/in", ["attendee.checked_in", "conflict.raised"], "other", T0.AddSeconds(1));

        Assert.Equal([hook.Id, other.Id], (await Store.ListWebhooksAsync()).Select(w => w.Id));
        var listed = (await Store.ListWebhooksAsync())[1];
        Assert.Equal(other.Url, listed.Url);
        Assert.Equal(other.EventTypes, listed.EventTypes);
        Assert.Equal("other", listed.Secret);
        Assert.Equal(T0.AddSeconds(1), listed.CreatedAt);

        await Store.EnqueueWebhookEventsAsync([new WebhookEvent("conflict.raised", "{}", T0)]);
        Assert.True(await Store.DeleteWebhookAsync(hook.Id));
        Assert.False(await Store.DeleteWebhookAsync(hook.Id));

        Assert.Equal([other.Id], (await Store.ListWebhooksAsync()).Select(w => w.Id));
        var due = await Store.ReadDueDeliveriesAsync(T0, 10);
        Assert.Equal(other.Id, Assert.Single(due).Webhook.Id);
        Assert.Equal((1L, 0L, 0L), await Store.CountDeliveriesAsync());
        await Assert.ThrowsAsync<ArgumentException>(() => Store.CreateWebhookAsync("ftp://nope", ["x"], "s", T0));
    }

    [Fact]
    public async Task An_entry_with_a_NUL_in_its_nonce_is_stored_with_it_replaced_and_the_upload_goes_through()
    {
        if (!Ready) return;

        var result = await Store.IngestAsync("north", [Entry(1), Entry(2) with { Nonce = "n-2\0x" }, Entry(3)], T0, LateAfter);

        Assert.Equal(3, result.HighestContiguous);
        var stored = await Store.ReadCheckInsAsync(0, 10, passagesOnly: false);
        Assert.Equal(["n-1", "n-2\uFFFDx", "n-3"], stored.Select(c => c.Entry.Nonce));
    }

    [Fact]
    public async Task Attendee_changes_queue_their_webhook_events_in_the_same_transaction()
    {
        if (!Ready) return;
        await Store.CreateWebhookAsync("https://crm.example/hooks", ["attendee.registered"], "s", T0);

        var stored = await Store.UpsertAttendeesAsync([Attendee("a1"), Attendee("a2")], [], T0,
            rows => [.. rows.Select(r => new WebhookEvent("attendee.registered", $$"""{"id":"{{r.Id}}","version":{{r.Version}}}""", T0))]);

        // The events see the rows as stored: their versions.
        var due = await Store.ReadDueDeliveriesAsync(T0, 10);
        Assert.Equal(stored.Select(r => $$"""{"id":"{{r.Id}}","version":{{r.Version}}}"""), due.Select(d => d.PayloadJson));

        // Events that cannot be made take the change down with them, and the reverse.
        var version = await Store.GetLedgerVersionAsync();
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.UpsertAttendeesAsync([Attendee("a3")], [], T0,
            _ => throw new InvalidOperationException("no events")));
        Assert.Null(await Store.GetAttendeeAsync("a3"));
        Assert.Equal(version, await Store.GetLedgerVersionAsync());
        Assert.Equal(2L, (await Store.CountDeliveriesAsync()).Pending);
    }

    [Fact]
    public async Task New_conflicts_queue_their_webhook_events_with_their_ids_in_the_same_transaction()
    {
        if (!Ready) return;
        await Store.CreateWebhookAsync("https://crm.example/hooks", ["conflict.raised"], "s", T0);
        static WebhookEvent Event(Conflict c) => new("conflict.raised", $$"""{"id":{{c.Id}}}""", c.DetectedAt);

        var first = await Store.ReplaceConflictsAsync("a1", [Conflict("a1", "south", 1)], Event);
        // Stored again, it is not new: no second event.
        var second = await Store.ReplaceConflictsAsync("a1", [Conflict("a1", "south", 1), Conflict("a1", "east", 2)], Event);

        var due = await Store.ReadDueDeliveriesAsync(T0.AddHours(1), 10);
        Assert.Equal([$$"""{"id":{{first[0].Id}}}""", $$"""{"id":{{second[0].Id}}}"""], due.Select(d => d.PayloadJson));

        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.ReplaceConflictsAsync("a2", [Conflict("a2", "south", 3)],
            _ => throw new InvalidOperationException("no event")));
        Assert.Equal(2, await Store.CountConflictsAsync());
    }

    [Fact]
    public async Task Webhook_deliveries_are_due_at_once_retried_when_asked_and_given_up_when_told()
    {
        if (!Ready) return;
        var conflicts = await Store.CreateWebhookAsync("https://a.example/", ["conflict.raised"], "a", T0);
        var both = await Store.CreateWebhookAsync("https://b.example/", ["conflict.raised", "attendee.registered"], "b", T0);

        var added = await Store.EnqueueWebhookEventsAsync(
        [
            new WebhookEvent("conflict.raised", """{"id":1}""", T0),
            new WebhookEvent("attendee.registered", """{"id":"a1"}""", T0.AddSeconds(1)),
            new WebhookEvent("nobody.listens", "{}", T0.AddSeconds(2)),
        ]);

        Assert.Equal(3, added);
        Assert.Equal(0, await Store.EnqueueWebhookEventsAsync([]));
        Assert.Empty(await Store.ReadDueDeliveriesAsync(T0.AddSeconds(-1), 10));
        var due = await Store.ReadDueDeliveriesAsync(T0.AddSeconds(1), 10);
        Assert.Equal(3, due.Count);
        Assert.Equal([T0, T0, T0.AddSeconds(1)], due.Select(d => d.NextAttemptAt));
        Assert.Equal(new[] { conflicts.Id, both.Id }.Order(), due.Take(2).Select(d => d.Webhook.Id).Order());
        Assert.Equal("""{"id":"a1"}""", due[2].PayloadJson);
        Assert.Equal("attendee.registered", due[2].EventType);
        Assert.Equal(T0.AddSeconds(1), due[2].EventAt);
        Assert.All(due, d => Assert.Equal(0, d.Attempts));
        Assert.Equal(2, (await Store.ReadDueDeliveriesAsync(T0.AddSeconds(1), 2)).Count);

        await Store.MarkDeliveredAsync(due[0].Id, T0.AddSeconds(3));
        await Store.MarkFailedAsync(due[1].Id, "503 Service Unavailable", T0.AddMinutes(1));
        await Store.MarkFailedAsync(due[2].Id, "410 Gone", null);

        Assert.Empty(await Store.ReadDueDeliveriesAsync(T0.AddSeconds(30), 10));
        var retry = Assert.Single(await Store.ReadDueDeliveriesAsync(T0.AddMinutes(1), 10));
        Assert.Equal(due[1].Id, retry.Id);
        Assert.Equal(1, retry.Attempts);
        Assert.Equal(T0.AddMinutes(1), retry.NextAttemptAt);
        Assert.Equal((1L, 1L, 1L), await Store.CountDeliveriesAsync());

        await Store.MarkFailedAsync(retry.Id, "timeout", T0.AddMinutes(5));
        Assert.Equal(2, Assert.Single(await Store.ReadDueDeliveriesAsync(T0.AddMinutes(5), 10)).Attempts);
        await Store.MarkDeliveredAsync(retry.Id, T0.AddMinutes(5));
        Assert.Equal((0L, 2L, 1L), await Store.CountDeliveriesAsync());
    }

    [Fact]
    public async Task Pruning_removes_finished_deliveries_older_than_the_cutoff_and_keeps_pending_ones()
    {
        if (!Ready) return;
        await Store.CreateWebhookAsync("https://a.example/", ["attendee.registered"], "a", T0);
        await Store.EnqueueWebhookEventsAsync([.. Enumerable.Range(1, 5).Select(i => new WebhookEvent("attendee.registered", $$"""{"n":{{i}}}""", T0))]);
        var rows = await Store.ReadDueDeliveriesAsync(T0, 10);
        await Store.MarkDeliveredAsync(rows[0].Id, T0.AddHours(1));         // delivered long ago
        await Store.MarkDeliveredAsync(rows[1].Id, T0.AddDays(8));          // delivered recently
        await Store.MarkFailedAsync(rows[2].Id, "410 Gone", null);          // given up, its last attempt due at T0
        await Store.MarkFailedAsync(rows[3].Id, "503", T0.AddMinutes(1));   // pending a retry, however old

        var pruned = await Store.PruneWebhookDeliveriesAsync(T0.AddDays(7));

        Assert.Equal(2, pruned);
        Assert.Equal((2L, 1L, 0L), await Store.CountDeliveriesAsync());
        Assert.Equal([rows[3].Id, rows[4].Id], (await Store.ReadDueDeliveriesAsync(T0.AddDays(9), 10)).Select(d => d.Id).Order());
        Assert.Equal(0, await Store.PruneWebhookDeliveriesAsync(T0.AddDays(7)));
    }

    [Fact]
    public async Task Delivery_ids_are_never_reused_after_the_outbox_is_pruned_or_a_webhook_deleted()
    {
        // Receivers drop repeats by delivery id (Venue-Webhook-Id): an id handed out twice would be a new event dropped.
        if (!Ready) return;
        var kept = await Store.CreateWebhookAsync("https://a.example/", ["attendee.registered"], "a", T0);
        var deleted = await Store.CreateWebhookAsync("https://b.example/", ["conflict.raised"], "b", T0);
        await Store.EnqueueWebhookEventsAsync([new WebhookEvent("attendee.registered", """{"n":1}""", T0)]);
        await Store.EnqueueWebhookEventsAsync([new WebhookEvent("conflict.raised", """{"n":2}""", T0)]);
        var first = await Store.ReadDueDeliveriesAsync(T0, 10);
        var highest = first.Max(d => d.Id);
        await Store.MarkDeliveredAsync(first.Single(d => d.Webhook.Id == kept.Id).Id, T0);
        Assert.True(await Store.DeleteWebhookAsync(deleted.Id));
        Assert.Equal(1, await Store.PruneWebhookDeliveriesAsync(T0.AddDays(8)));
        Assert.Equal((0L, 0L, 0L), await Store.CountDeliveriesAsync());

        await Store.EnqueueWebhookEventsAsync([new WebhookEvent("attendee.registered", """{"n":3}""", T0.AddDays(8))]);

        Assert.True(Assert.Single(await Store.ReadDueDeliveriesAsync(T0.AddDays(8), 10)).Id > highest, "a new delivery takes an id never handed out before");
    }

    [Fact]
    public async Task Each_webhooks_delivery_status_shows_its_given_up_deliveries_which_can_be_retried()
    {
        if (!Ready) return;
        var failing = await Store.CreateWebhookAsync("https://a.example/", ["attendee.registered"], "a", T0);
        var healthy = await Store.CreateWebhookAsync("https://b.example/", ["attendee.registered"], "b", T0);
        await Store.CreateWebhookAsync("https://c.example/", ["conflict.raised"], "c", T0);
        await Store.EnqueueWebhookEventsAsync([.. Enumerable.Range(1, 3).Select(i => new WebhookEvent("attendee.registered", $$"""{"n":{{i}}}""", T0))]);
        var rows = await Store.ReadDueDeliveriesAsync(T0, 10, failing.Id);
        await Store.MarkFailedAsync(rows[0].Id, "HTTP 500 Internal Server Error", null);
        await Store.MarkFailedAsync(rows[1].Id, "HTTP 502 Bad Gateway", null);
        await Store.MarkFailedAsync(rows[2].Id, "HTTP 503 Service Unavailable", T0.AddMinutes(1));
        foreach (var row in await Store.ReadDueDeliveriesAsync(T0, 10, healthy.Id))
        {
            await Store.MarkDeliveredAsync(row.Id, T0);
        }

        var status = await Store.GetDeliveryStatusAsync();

        Assert.Equal(new WebhookDeliveryStatus(1, 0, 2, "HTTP 503 Service Unavailable"), status[failing.Id]);
        Assert.Equal(new WebhookDeliveryStatus(0, 3, 0, null), status[healthy.Id]);
        Assert.Equal(2, status.Count);

        // Retrying brings back the given-up ones only, due at once, their attempts counted afresh.
        Assert.Equal(2, await Store.RetryGivenUpDeliveriesAsync(failing.Id, T0.AddHours(3)));
        Assert.Equal(0, await Store.RetryGivenUpDeliveriesAsync(healthy.Id, T0.AddHours(3)));
        var due = await Store.ReadDueDeliveriesAsync(T0.AddHours(3), 10, failing.Id);
        Assert.Equal(rows.Select(r => r.Id).Order(), due.Select(d => d.Id).Order());
        Assert.Equal([0, 0], due.Where(d => d.Id != rows[2].Id).Select(d => d.Attempts));
        Assert.Equal(T0.AddHours(3), due.Single(d => d.Id == rows[0].Id).NextAttemptAt);
        Assert.Equal(new WebhookDeliveryStatus(3, 0, 0, "HTTP 503 Service Unavailable"), (await Store.GetDeliveryStatusAsync())[failing.Id]);
    }

    [Fact]
    public async Task Due_deliveries_can_be_read_for_one_webhook_without_the_others()
    {
        if (!Ready) return;
        var first = await Store.CreateWebhookAsync("https://a.example/", ["conflict.raised"], "a", T0);
        var second = await Store.CreateWebhookAsync("https://b.example/", ["conflict.raised"], "b", T0);
        await Store.EnqueueWebhookEventsAsync(
        [
            new WebhookEvent("conflict.raised", """{"id":1}""", T0),
            new WebhookEvent("conflict.raised", """{"id":2}""", T0.AddSeconds(1)),
            new WebhookEvent("conflict.raised", """{"id":3}""", T0.AddSeconds(2)),
        ]);

        var seconds = await Store.ReadDueDeliveriesAsync(T0.AddSeconds(2), 10, second.Id);
        Assert.All(seconds, d => Assert.Equal(second.Id, d.Webhook.Id));
        Assert.Equal(["""{"id":1}""", """{"id":2}""", """{"id":3}"""], seconds.Select(d => d.PayloadJson));
        Assert.Equal("https://b.example/", seconds[0].Webhook.Url);
        Assert.Equal("b", seconds[0].Webhook.Secret);

        // The limit and the due time apply within the webhook, oldest first.
        var firsts = await Store.ReadDueDeliveriesAsync(T0.AddSeconds(2), 2, first.Id);
        Assert.Equal(["""{"id":1}""", """{"id":2}"""], firsts.Select(d => d.PayloadJson));
        Assert.All(firsts, d => Assert.Equal(first.Id, d.Webhook.Id));
        Assert.Single(await Store.ReadDueDeliveriesAsync(T0, 10, first.Id));

        // One webhook's failures move its own deliveries only.
        await Store.MarkFailedAsync(firsts[0].Id, "timeout", T0.AddMinutes(1));
        await Store.MarkDeliveredAsync(firsts[1].Id, T0.AddSeconds(3));
        Assert.Equal(["""{"id":3}"""], (await Store.ReadDueDeliveriesAsync(T0.AddSeconds(3), 10, first.Id)).Select(d => d.PayloadJson));
        Assert.Equal(3, (await Store.ReadDueDeliveriesAsync(T0.AddSeconds(3), 10, second.Id)).Count);
        Assert.Equal(4, (await Store.ReadDueDeliveriesAsync(T0.AddSeconds(3), 10)).Count);

        Assert.Empty(await Store.ReadDueDeliveriesAsync(T0.AddHours(1), 10, "no-such-webhook"));
        Assert.True(await Store.DeleteWebhookAsync(second.Id));
        Assert.Empty(await Store.ReadDueDeliveriesAsync(T0.AddHours(1), 10, second.Id));
    }

    // ---- grain state

    [Fact]
    public async Task Grain_state_is_written_under_etags_and_a_stale_etag_is_refused()
    {
        if (!Ready) return;
        var storage = Store.GrainStorage;
        var id = new GrainId("zone", "hall-a");

        Assert.Null(await storage.ReadAsync<ZoneState>(id, CancellationToken.None));
        var etag1 = await storage.WriteAsync(id, new ZoneState { Occupancy = 3, Name = "Hall A", Inside = ["a1", "a2"] }, null, CancellationToken.None);
        var read = await storage.ReadAsync<ZoneState>(id, CancellationToken.None);
        Assert.Equal(etag1, read!.Etag);
        Assert.Equal(3, read.State.Occupancy);
        Assert.Equal("Hall A", read.State.Name);
        Assert.Equal(["a1", "a2"], read.State.Inside);

        var etag2 = await storage.WriteAsync(id, new ZoneState { Occupancy = 4 }, etag1, CancellationToken.None);
        Assert.NotEqual(etag1, etag2);
        var stale = await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(id, new ZoneState(), etag1, CancellationToken.None));
        Assert.Equal(etag2, stale.StoredEtag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(id, new ZoneState(), null, CancellationToken.None));
        Assert.Equal(4, (await storage.ReadAsync<ZoneState>(id, CancellationToken.None))!.State.Occupancy);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(new GrainId("zone", "new"), new ZoneState(), "1", CancellationToken.None));
    }

    [Fact]
    public async Task Grain_state_of_two_grain_types_under_one_key_does_not_collide()
    {
        if (!Ready) return;
        var storage = Store.GrainStorage;
        var zone = new GrainId("zone", "k1");
        var booth = new GrainId("booth", "k1");

        await storage.WriteAsync(zone, new ZoneState { Occupancy = 1 }, null, CancellationToken.None);
        await storage.WriteAsync(booth, new ZoneState { Occupancy = 2 }, null, CancellationToken.None);

        Assert.Equal(1, (await storage.ReadAsync<ZoneState>(zone, CancellationToken.None))!.State.Occupancy);
        Assert.Equal(2, (await storage.ReadAsync<ZoneState>(booth, CancellationToken.None))!.State.Occupancy);
    }

    [Fact]
    public async Task Cleared_grain_state_reads_as_missing_and_its_old_etag_is_never_valid_again()
    {
        if (!Ready) return;
        var storage = Store.GrainStorage;
        var id = new GrainId("zone", "hall-b");
        var etag = await storage.WriteAsync(id, new ZoneState { Occupancy = 9 }, null, CancellationToken.None);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.ClearAsync(id, "stale", CancellationToken.None));
        await storage.ClearAsync(id, etag, CancellationToken.None);

        Assert.Null(await storage.ReadAsync<ZoneState>(id, CancellationToken.None));
        await storage.ClearAsync(id, null, CancellationToken.None);
        var fresh = await storage.WriteAsync(id, new ZoneState { Occupancy = 1 }, null, CancellationToken.None);
        Assert.NotEqual(etag, fresh);
        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteAsync(id, new ZoneState(), etag, CancellationToken.None));
    }

    // ---- helpers

    protected RegisteredAttendee Attendee(
        string id,
        string? name = null,
        string? email = "ada@example.com",
        string? company = "Analytical Engines",
        AttendeeStatus status = AttendeeStatus.Active,
        IReadOnlyList<string>? gates = null,
        DateTimeOffset? validFrom = null,
        DateTimeOffset? validUntil = null,
        string? token = null) =>
        new(id, name ?? $"Ada {id}", email, company, "standard", validFrom, validUntil, status, gates, token ?? $"tok-{id}", Hash(token ?? $"tok-{id}"));

    protected static UInt128 Hash(string token) => BinaryPrimitives.ReadUInt128BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    protected JournalEntry Entry(long seq, ScanReason reason = ScanReason.Admitted, string? attendee = "a1", DateTimeOffset? at = null)
    {
        var when = at ?? T0.AddSeconds(seq);
        return new JournalEntry(
            "north-1",
            attendee,
            reason is ScanReason.Exited or ScanReason.NotInside ? ScanDirection.Exit : ScanDirection.Entry,
            reason,
            $"n-{seq}",
            when.AddMilliseconds(-250),
            when)
        {
            Sequence = seq,
            Hlc = 1_000_000 + seq,
            TicketType = attendee is null ? null : "standard",
        };
    }

    protected List<JournalEntry> Entries(long from, int count, Func<long, ScanReason>? reason = null) =>
        [.. Enumerable.Range(0, count).Select(i => from + i).Select(seq => Entry(seq, reason?.Invoke(seq) ?? ScanReason.Admitted, attendee: $"a{seq}"))];

    protected Conflict Conflict(string attendee, string secondEdge, long secondSeq) =>
        new(attendee,
            new PassageRef("north", secondSeq + 100, "north-1", T0.AddSeconds(1), 5_000 + secondSeq),
            new PassageRef(secondEdge, secondSeq, $"{secondEdge}-1", T0.AddSeconds(2), 6_000 + secondSeq),
            T0.AddMinutes(1));

    private SiloRecord Silo(string id, string status, long sequence) =>
        new(id, "edge", status, sequence, sequence - 1, 7, 1, 12.5, 250, T0.AddSeconds(sequence));

    private static void AssertSameAttendee(RegisteredAttendee expected, RegisteredAttendee? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected with { Gates = null }, actual with { Gates = null });
        Assert.Equal(expected.Gates, actual.Gates);
    }

    protected static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    private static async Task<int> CountAsync<T>(IAsyncEnumerable<T> items) => (await ToListAsync(items)).Count;

    /// <summary>Grain state as the runtime's grains keep it: public settable properties.</summary>
    public sealed class ZoneState
    {
        public int Occupancy { get; set; }

        public string? Name { get; set; }

        public List<string> Inside { get; set; } = [];
    }
}
