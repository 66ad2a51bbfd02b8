using Microsoft.Data.Sqlite;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Domain.Readers;
using Venue.Storage.Sqlite;

namespace Venue.Storage.Tests;

/// <summary>
/// What opening and locking the edge's files says when something is wrong with them, and entries a
/// group commit must refuse up front rather than fail for everyone sharing the commit.
/// </summary>
public sealed class JournalFileTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2030, 6, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();
    private readonly ManualTimeProvider _time = new(Start);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private static TagRead Read(long eventNum) =>
        new("portal-1", eventNum, $"E280{eventNum:X20}", 1, -60.5, Start.AddMicroseconds(eventNum));

    [Fact]
    public async Task A_read_with_a_signal_that_is_not_a_number_is_refused_up_front_and_the_next_append_commits()
    {
        using var journal = SqliteReadJournal.Open(_directory.File("telemetry.db"), _time);

        var refused = Assert.Throws<ArgumentException>(() => { _ = journal.AppendReadsAsync([Read(1), Read(2) with { PeakRssi = double.NaN }]); });
        var good = await journal.AppendReadsAsync([Read(3), Read(4)]).WithTimeout("the good append");

        Assert.Contains("Read 1 of the batch has a peak RSSI of NaN", refused.Message, StringComparison.Ordinal);
        Assert.Equal([3L, 4L], good.Accepted.Select(r => r.Read.EventNum));
    }

    [Fact]
    public async Task A_scan_without_a_nonce_is_refused_up_front_and_takes_no_sequence_number()
    {
        using var journal = SqliteCheckInJournal.Open(_directory.File("journal.db"), _time);
        var scan = new JournalEntry("G01", "A-1", ScanDirection.Entry, ScanReason.Admitted, "n1", Start, Start);

        Assert.Throws<ArgumentException>(() => { _ = journal.AppendAsync(scan with { Nonce = null! }); });
        var stored = await journal.AppendAsync(scan).WithTimeout("the good append");

        Assert.Equal(1, stored.Sequence);
    }

    [Fact]
    public void Opening_a_damaged_journal_fails_with_an_error_that_names_the_file()
    {
        var path = _directory.File("journal.db");
        var garbage = new byte[8192];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);

        var thrown = Assert.Throws<InvalidDataException>(() => SqliteCheckInJournal.Open(path, _time));

        Assert.Contains(path, thrown.Message, StringComparison.Ordinal);
        Assert.Contains("file is not a database", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_damaged_journal_is_refused_with_what_to_do_and_left_byte_for_byte_as_it_was()
    {
        var path = _directory.File("journal.db");
        var garbage = new byte[8192];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(path, garbage);

        var thrown = Assert.Throws<InvalidDataException>(() => SqliteCheckInJournal.Open(path, _time));

        Assert.Contains("left as it was found", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("restore", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task A_journal_damaged_in_the_middle_is_named_with_what_to_do_when_a_read_reaches_the_damage()
    {
        var path = _directory.File("journal.db");
        using (var journal = SqliteCheckInJournal.Open(path, _time))
        {
            await Task.WhenAll(Enumerable.Range(1, 3000).Select(i =>
                journal.AppendAsync(new JournalEntry("G01", $"A-{i}", ScanDirection.Entry, ScanReason.Admitted, $"n{i}", Start, Start)))).WithTimeout("3000 appends");
        }

        SqliteConnection.ClearAllPools();
        // A leaf page well inside the table, past the schema and short of the last entries: opening
        // reads neither, reading every entry in order reaches it.
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            file.Position = (4096 * 10) + 8;
            var garbage = new byte[4000];
            new Random(3).NextBytes(garbage);
            file.Write(garbage);
        }

        using var reopened = SqliteCheckInJournal.Open(path, _time);
        var thrown = Assert.Throws<InvalidDataException>(() => reopened.ReadAll().Count());

        Assert.Contains(path, thrown.Message, StringComparison.Ordinal);
        Assert.Contains("malformed", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("left as it was found", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_read_journal_damaged_in_the_middle_is_named_with_what_to_do_when_a_read_reaches_the_damage()
    {
        var path = _directory.File("telemetry.db");
        using (var journal = SqliteReadJournal.Open(path, _time))
        {
            for (var batch = 0; batch < 30; batch++)
            {
                await journal.AppendReadsAsync([.. Enumerable.Range(batch * 100, 100).Select(i => Read(i))]).WithTimeout($"read batch {batch}");
            }
        }

        SqliteConnection.ClearAllPools();
        // The middle of the file, past the schema page: the reads' leaf pages and their index's
        // interleave, so a span this wide is sure to hold some of the reads a full read reaches.
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            var length = file.Length;
            file.Position = length / 3;
            var garbage = new byte[length / 3];
            new Random(3).NextBytes(garbage);
            file.Write(garbage);
        }

        var thrown = Assert.Throws<InvalidDataException>(() => SqliteReadJournal.ReadAll(path).Count());

        Assert.Contains(path, thrown.Message, StringComparison.Ordinal);
        Assert.Contains("malformed", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("left as it was found", thrown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_journal_emptied_to_zero_bytes_beside_a_write_ahead_log_with_scans_is_refused_and_the_log_is_kept()
    {
        // Committed scans live in journal.db-wal until a checkpoint copies them: a journal.db truncated
        // (a bad copy, a botched restore) beside it must not be taken for a new journal, which would
        // throw the log, and the scans in it, away.
        var path = _directory.File("journal.db");
        var wal = path + "-wal";
        byte[] log;
        using (var journal = SqliteCheckInJournal.Open(path, _time))
        {
            for (var i = 1; i <= 3; i++)
            {
                await journal.AppendAsync(new JournalEntry("G01", $"A-{i}", ScanDirection.Entry, ScanReason.Admitted, $"n{i}", Start, Start)).WithTimeout("an append");
            }

            log = File.ReadAllBytes(wal);
        }

        SqliteConnection.ClearAllPools();
        File.WriteAllBytes(path, []);
        File.WriteAllBytes(wal, log);

        var thrown = Assert.Throws<InvalidDataException>(() => SqliteCheckInJournal.Open(path, _time));

        Assert.Contains(path, thrown.Message, StringComparison.Ordinal);
        Assert.Contains("0 bytes", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(log, File.ReadAllBytes(wal));
        Assert.Equal(0, new FileInfo(path).Length);
    }

    [Fact]
    public async Task A_zero_byte_journal_with_no_write_ahead_log_beside_it_opens_as_a_new_journal()
    {
        // What an edge killed during its very first open leaves: nothing was ever committed to it.
        var path = _directory.File("journal.db");
        File.WriteAllBytes(path, []);

        using var journal = SqliteCheckInJournal.Open(path, _time);
        var stored = await journal.AppendAsync(new JournalEntry("G01", "A-1", ScanDirection.Entry, ScanReason.Admitted, "n1", Start, Start)).WithTimeout("an append");

        Assert.Equal(1, stored.Sequence);
    }

    [Fact]
    public void Refusing_a_journal_of_a_newer_version_leaves_that_file_as_it_was()
    {
        var path = _directory.File("journal.db");
        Sql.Execute(path, """
            CREATE TABLE journal_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            INSERT INTO journal_meta(key, value) VALUES ('schema', '2');
            CREATE TABLE journal_v2(seq INTEGER PRIMARY KEY, body BLOB NOT NULL);
            """);

        var thrown = Assert.Throws<InvalidDataException>(() => SqliteCheckInJournal.Open(path, _time));

        Assert.Contains("version 2", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(0L, Sql.Scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'journal'"));
        Assert.Equal("delete", Sql.Scalar(path, "PRAGMA journal_mode"));
    }

    [Fact]
    public async Task The_read_journal_under_the_check_in_journal_s_name_is_refused_rather_than_adopted_at_sequence_one()
    {
        var path = _directory.File("journal.db");
        using (var reads = SqliteReadJournal.Open(path, _time))
        {
            await reads.AppendReadsAsync([Read(1)]).WithTimeout("a read");
        }

        SqliteConnection.ClearAllPools();
        var thrown = Assert.Throws<InvalidDataException>(() => SqliteCheckInJournal.Open(path, _time));

        Assert.Contains("is not a journal", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("reads", thrown.Message, StringComparison.Ordinal);
        Assert.Equal(0L, Sql.Scalar(path, "SELECT count(*) FROM sqlite_master WHERE name = 'journal'"));
    }

    [Fact]
    public async Task A_journal_is_stamped_with_its_event_and_refused_unchanged_under_another_event_s_ledger()
    {
        var path = _directory.File("journal.db");
        using (var first = SqliteCheckInJournal.Open(path, _time, eventId: "expo-2030"))
        {
            await first.AppendAsync(new JournalEntry("G01", "A-1", ScanDirection.Entry, ScanReason.Admitted, "n1", Start, Start)).WithTimeout("an admission");
        }

        SqliteConnection.ClearAllPools();
        var thrown = Assert.Throws<InvalidDataException>(() => SqliteCheckInJournal.Open(path, _time, eventId: "expo-2031"));
        using (var again = SqliteCheckInJournal.Open(path, _time, eventId: "expo-2030"))
        {
            Assert.Equal(1, again.LastSequence);
        }

        SqliteConnection.ClearAllPools();
        Assert.Contains("holds the scans of event 'expo-2030'", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("'expo-2031'", thrown.Message, StringComparison.Ordinal);
        Assert.Contains(path, thrown.Message, StringComparison.Ordinal);
        Assert.Equal("expo-2030", Sql.Scalar(path, "SELECT value FROM journal_meta WHERE key = 'event'"));
    }

    [Fact]
    public async Task A_journal_from_before_the_event_stamp_is_stamped_with_the_ledger_it_is_next_opened_with()
    {
        var path = _directory.File("journal.db");
        using (var unstamped = SqliteCheckInJournal.Open(path, _time))
        {
            await unstamped.AppendAsync(new JournalEntry("G01", "A-1", ScanDirection.Entry, ScanReason.Admitted, "n1", Start, Start)).WithTimeout("an admission");
        }

        SqliteConnection.ClearAllPools();
        using (var claimed = SqliteCheckInJournal.Open(path, _time, eventId: "expo-2030"))
        {
            Assert.Equal(1, claimed.LastSequence);
        }

        SqliteConnection.ClearAllPools();
        Assert.Equal("expo-2030", Sql.Scalar(path, "SELECT value FROM journal_meta WHERE key = 'event'"));
        Assert.Throws<InvalidDataException>(() => SqliteCheckInJournal.Open(path, _time, eventId: "other"));
    }

    [Fact]
    public void A_lock_file_that_cannot_be_opened_for_another_reason_is_not_reported_as_held_by_someone()
    {
        var path = _directory.File("edge.lock");
        File.CreateSymbolicLink(path, path); // ELOOP; a read-only file system or a disk error goes the same way

        Assert.ThrowsAny<IOException>(() => ExclusiveFile.TryHold(path)?.Dispose());
    }

    [Fact]
    public void A_lock_file_held_by_another_holder_is_reported_as_held()
    {
        var path = _directory.File("edge.lock");
        using var first = ExclusiveFile.TryHold(path);

        Assert.NotNull(first);
        Assert.Null(ExclusiveFile.TryHold(path));
    }
}
