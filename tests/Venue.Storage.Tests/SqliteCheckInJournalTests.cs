using System.Reflection;
using Microsoft.Data.Sqlite;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Storage.Sqlite;

namespace Venue.Storage.Tests;

public sealed class SqliteCheckInJournalTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2030, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new();
    private readonly ManualTimeProvider _time = new(Start);

    public void Dispose()
    {
        // Pooled connections (the credential store uses the default pool) keep the files open.
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private string JournalPath => _directory.File("journal.db");

    private SqliteCheckInJournal Open(TimeProvider? time = null) => SqliteCheckInJournal.Open(JournalPath, time ?? _time);

    private static JournalEntry Entry(int i, string? attendee = "A-1") => new(
        $"gate-{i % 4}", attendee, i % 2 == 0 ? ScanDirection.Entry : ScanDirection.Exit, (ScanReason)(i % 12),
        $"nonce-{i}", Start.AddTicks(i * 10), Start.AddTicks((i * 10) + 1_000_000));

    private static Task<JournalEntry> Append(SqliteCheckInJournal journal, JournalEntry entry) =>
        journal.AppendAsync(entry).WithTimeout($"the append of {entry.Nonce}");

    [Fact]
    public async Task Appended_entries_read_back_identically_in_sequence_order()
    {
        JournalEntry[] written =
        [
            new("main", "A-1", ScanDirection.Entry, ScanReason.Admitted, "n-1",
                new DateTimeOffset(2030, 6, 1, 8, 59, 59, TimeSpan.Zero).AddTicks(1_234_560), Start.AddTicks(9_999_990)),
            new("main", null, ScanDirection.Entry, ScanReason.Malformed, "n-2", Start.AddMicroseconds(1), Start.AddMicroseconds(2)),
            new("south gate ☂", "Zoë-Ångström", ScanDirection.Exit, ScanReason.NotInside, "n-3 ✓", Start.AddYears(-1), Start.AddHours(1)),
            new("north", "A-2", ScanDirection.Exit, ScanReason.ReentryNotAllowed, new string('n', 500), Start, Start),
        ];
        List<JournalEntry> stored = [];
        using (var journal = Open())
        {
            foreach (var entry in written)
            {
                stored.Add(await Append(journal, entry));
            }

            Assert.Equal(stored, journal.ReadAll());
            Assert.Equal(stored.Skip(2), journal.ReadAll(afterSequence: 2));
        }

        Assert.Equal(written, stored.Select(e => e with { Sequence = 0, Hlc = 0 }));
        Assert.Equal([1L, 2L, 3L, 4L], stored.Select(e => e.Sequence));
        Assert.Equal(stored, SqliteCheckInJournal.ReadAll(JournalPath));
        Assert.All(SqliteCheckInJournal.ReadAll(JournalPath), e => Assert.Equal(TimeSpan.Zero, e.At.Offset));
    }

    [Fact]
    public async Task Times_in_another_offset_read_back_as_the_same_instant_in_utc()
    {
        var local = new DateTimeOffset(2030, 6, 1, 11, 0, 0, TimeSpan.FromHours(2)).AddMicroseconds(7);
        using var journal = Open();

        await Append(journal, new JournalEntry("main", "A-1", ScanDirection.Entry, ScanReason.Admitted, "n-1", local, local));

        var read = Assert.Single(journal.ReadAll());
        Assert.Equal(local.UtcDateTime, read.ScannedAt.UtcDateTime);
        Assert.Equal(local.UtcTicks, read.At.UtcTicks);
    }

    [Fact]
    public async Task Sequences_are_contiguous_from_one_and_continue_after_reopening()
    {
        using (var journal = Open())
        {
            Assert.Equal(0, journal.LastSequence);
            for (var i = 0; i < 5; i++)
            {
                await Append(journal, Entry(i));
            }

            Assert.Equal(5, journal.LastSequence);
        }

        using (var reopened = Open())
        {
            Assert.Equal(5, reopened.LastSequence);
            var next = await Append(reopened, Entry(5));
            Assert.Equal(6, next.Sequence);
            await Append(reopened, Entry(6));
        }

        Assert.Equal(Enumerable.Range(1, 7).Select(i => (long)i), SqliteCheckInJournal.ReadAll(JournalPath).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Hybrid_clock_values_strictly_increase_across_a_reopen_even_when_the_wall_clock_went_back()
    {
        using (var journal = Open())
        {
            for (var i = 0; i < 3; i++)
            {
                await Append(journal, Entry(i));
            }
        }

        // The edge restarts with its clock an hour behind (a dead RTC battery, a bad NTP step).
        using (var reopened = Open(new ManualTimeProvider(Start.AddHours(-1))))
        {
            for (var i = 3; i < 6; i++)
            {
                await Append(reopened, Entry(i));
            }
        }

        var hlcs = SqliteCheckInJournal.ReadAll(JournalPath).Select(e => e.Hlc).ToList();
        Assert.Equal(6, hlcs.Count);
        Assert.All(hlcs.Zip(hlcs.Skip(1)), pair => Assert.True(pair.Second > pair.First, $"HLC {pair.Second} follows {pair.First}."));
        Assert.Equal(Start, HybridLogicalClock.ToTime(hlcs[0]));
    }

    [Fact]
    public async Task Two_hundred_concurrent_appends_complete_with_distinct_sequences_sharing_disk_commits()
    {
        const int Appends = 200;
        using var journal = Open();
        var start = Signal.New();

        var appends = Enumerable.Range(0, Appends).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await journal.AppendAsync(Entry(i));
        })).ToList();
        start.SetResult();
        var stored = await Task.WhenAll(appends).WithTimeout($"{Appends} concurrent appends");

        Assert.Equal(Enumerable.Range(1, Appends).Select(i => (long)i), stored.Select(e => e.Sequence).Order());
        Assert.Equal(Appends, journal.Appended);
        Assert.Equal(Appends, journal.LastSequence);
        Assert.True(journal.Commits < journal.Appended, $"{journal.Commits} commits for {journal.Appended} appends: no group commit happened.");
        Assert.Equal(stored.OrderBy(e => e.Sequence), journal.ReadAll());
    }

    [Fact]
    public async Task Appends_queued_while_the_writer_is_committing_go_together_in_its_next_commit()
    {
        const int Appends = 100;
        using var journal = Open();
        // Another connection holds the write lock, so the writer's first commit waits (busy_timeout)
        // for as long as the test likes, whatever the scheduler does: every append is queued before it
        // can finish, and all those it did not take go in the one commit after it.
        using var other = Sql.Open(JournalPath);
        using var hold = other.BeginTransaction(deferred: false);

        var appends = Enumerable.Range(0, Appends).Select(i => journal.AppendAsync(Entry(i))).ToList();
        Assert.Equal(0, journal.Commits);
        hold.Rollback();
        var stored = await Task.WhenAll(appends).WithTimeout($"{Appends} appends queued behind a held write lock");

        Assert.Equal(Enumerable.Range(1, Appends).Select(i => (long)i), stored.Select(e => e.Sequence));
        Assert.True(journal.Commits <= 2, $"{journal.Commits} disk commits for {Appends} appends queued during one commit");
    }

    [Fact]
    public async Task The_write_ahead_log_starts_over_under_sustained_load_instead_of_growing_without_bound()
    {
        const int Rounds = 600;
        const int PerRound = 8;
        const int Frame = 4096;
        var journal = SqliteCheckInJournal.Open(JournalPath, _time, new JournalOptions { CheckpointEveryCommits = 8, RestartWalAfterFrames = 64 });
        long largestWal = 0;
        for (var round = 0; round < Rounds; round++)
        {
            // Each round is at least one commit, and each commit adds at least one frame to the WAL.
            await Task.WhenAll(Enumerable.Range(0, PerRound).Select(i => journal.AppendAsync(Entry((round * PerRound) + i))))
                .WithTimeout($"round {round} of appends");
            largestWal = Math.Max(largestWal, new FileInfo(JournalPath + "-wal").Length);
        }

        var restarts = journal.WalRestarts;
        journal.Dispose();

        Assert.True(restarts > 0, "the writer never rewound the WAL");
        // Without rewinds the WAL would hold at least one frame per commit: Rounds frames or more.
        Assert.True(largestWal < Rounds * Frame * 2 / 3, $"the WAL reached {largestWal:N0} bytes over {Rounds} commits");
        Assert.Equal(Rounds * PerRound, SqliteCheckInJournal.ReadAll(JournalPath).Count());
    }

    [Fact]
    public async Task Dispose_commits_every_append_already_queued()
    {
        const int Appends = 2000;
        var journal = Open();

        var appends = Enumerable.Range(0, Appends).Select(i => journal.AppendAsync(Entry(i))).ToList();
        journal.Dispose();

        var stored = await Task.WhenAll(appends).WithTimeout("the appends queued before Dispose");
        Assert.Equal(Appends, stored.Length);
        Assert.Equal(Enumerable.Range(0, Appends).Select(i => $"nonce-{i}"), SqliteCheckInJournal.ReadAll(JournalPath).Select(e => e.Nonce));
        using var reopened = Open();
        Assert.Equal(Appends, reopened.LastSequence);
    }

    [Fact]
    public void An_append_after_dispose_is_refused()
    {
        var journal = Open();
        journal.Dispose();

        Assert.Throws<ObjectDisposedException>(() => { _ = journal.AppendAsync(Entry(0)); });
        journal.Dispose(); // twice is harmless
    }

    [Fact]
    public void Opening_a_journal_of_another_schema_version_fails_with_a_clear_message()
    {
        Open().Dispose();
        Sql.Execute(JournalPath, "UPDATE journal_meta SET value = '2' WHERE key = 'schema'");

        var thrown = Assert.Throws<InvalidDataException>(() => Open());

        Assert.Contains(JournalPath, thrown.Message, StringComparison.Ordinal);
        Assert.Contains("schema version 2", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("version 1", thrown.Message, StringComparison.Ordinal);

        // The failed open let go of the file: put the version back and it opens.
        Sql.Execute(JournalPath, "UPDATE journal_meta SET value = '1' WHERE key = 'schema'");
        Open().Dispose();
    }

    [Fact]
    public async Task The_journal_is_in_WAL_mode_with_full_synchronous_commits()
    {
        using var journal = Open();
        await Append(journal, Entry(0));

        // journal_mode=WAL is a property of the file: any connection sees it.
        Assert.Equal("wal", Sql.Scalar(JournalPath, "PRAGMA journal_mode"));
        Assert.True(File.Exists(JournalPath + "-wal"), "No -wal file next to the journal.");

        // synchronous is a property of a connection, so it can only be read on the journal's own. The
        // writer is idle (the append has completed), so a read-only pragma on it does not race with it.
        var field = typeof(SqliteCheckInJournal).GetField("_connection", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("SqliteCheckInJournal no longer keeps its connection in _connection; update this test.");
        var connection = (SqliteConnection)field.GetValue(journal)!;
        Assert.Equal(2L, Sql.Scalar(connection, "PRAGMA synchronous")); // 2 = FULL
        Assert.Equal("wal", Sql.Scalar(connection, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task A_reader_holding_a_snapshot_open_does_not_hold_up_appends()
    {
        using var journal = Open();
        await Append(journal, Entry(0));
        using var reader = Sql.Open(JournalPath);
        Sql.Scalar(reader, "BEGIN");
        Assert.Equal(1L, Sql.Scalar(reader, "SELECT count(*) FROM journal"));

        await Append(journal, Entry(1));

        // The reader still sees its snapshot; the append is committed all the same.
        Assert.Equal(1L, Sql.Scalar(reader, "SELECT count(*) FROM journal"));
        Assert.Equal(2, SqliteCheckInJournal.ReadAll(JournalPath).Count());
        Sql.Scalar(reader, "COMMIT");
        Assert.Equal(2L, Sql.Scalar(reader, "SELECT count(*) FROM journal"));
    }

    [Fact]
    public async Task A_failed_commit_fails_every_waiting_append_with_JournalWriteException_and_burns_no_sequence()
    {
        using var journal = Open();
        await Append(journal, Entry(0));
        // A real failure inside the writer's transaction: another connection makes every insert abort.
        Sql.Execute(JournalPath, "CREATE TRIGGER refuse BEFORE INSERT ON journal BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");

        var failing = Enumerable.Range(1, 20).Select(i => journal.AppendAsync(Entry(i))).ToList();

        foreach (var append in failing)
        {
            var thrown = await Assert.ThrowsAsync<JournalWriteException>(() => append.WithTimeout("a failing append"));
            Assert.Contains("disk on fire", thrown.Message, StringComparison.Ordinal);
            Assert.Contains(JournalPath, thrown.Message, StringComparison.Ordinal);
        }

        Assert.Equal(1, journal.LastSequence);

        // Once the disk is back, the journal carries on from where it was, with no gap and no leftovers.
        Sql.Execute(JournalPath, "DROP TRIGGER refuse");
        var next = await Append(journal, Entry(21));
        Assert.Equal(2, next.Sequence);
        Assert.Equal(["nonce-0", "nonce-21"], journal.ReadAll().Select(e => e.Nonce));
    }

    [Fact]
    public async Task A_waiter_that_disposes_the_journal_when_its_append_fails_does_not_deadlock()
    {
        // Every insert aborts, after enough work that the continuation below is attached before it does.
        const string SlowRefusal = """
            CREATE TRIGGER refuse BEFORE INSERT ON journal BEGIN
                SELECT RAISE(ABORT, 'disk on fire') FROM (
                    WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 500000) SELECT count(*) FROM n);
            END
            """;
        var testThread = Environment.CurrentManagedThreadId;
        for (var attempt = 1; ; attempt++)
        {
            var path = _directory.File($"journal-{attempt}.db");
            var journal = SqliteCheckInJournal.Open(path, _time);
            Sql.Execute(path, SlowRefusal);

            var waiter = journal.AppendAsync(Entry(0)).ContinueWith(append =>
            {
                var resumedOn = (Thread: Environment.CurrentManagedThreadId, Name: Thread.CurrentThread.Name, Error: append.Exception?.InnerException);
                journal.Dispose();
                return resumedOn;
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            var (thread, name, error) = await waiter.WithTimeout("a waiter disposing the journal after its append failed");

            Assert.IsType<JournalWriteException>(error);
            Assert.NotEqual("venue-journal-writer", name);
            // On the test's own thread, the append had failed before the continuation was attached: nothing was proven.
            if (thread != testThread || attempt == 5)
            {
                Assert.NotEqual(testThread, thread);
                return;
            }
        }
    }
}
