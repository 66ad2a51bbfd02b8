using System.Diagnostics;
using System.Reflection;
using Microsoft.Data.Sqlite;
using Venue.Domain.Readers;
using Venue.Storage.Sqlite;
using Venue.Testing.Processes;

namespace Venue.Storage.Tests;

public sealed class SqliteReadJournalTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2030, 6, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _directory = new();
    private readonly ManualTimeProvider _time = new(Start);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _directory.Dispose();
    }

    private string JournalPath => _directory.File("telemetry.db");

    private SqliteReadJournal Open() => SqliteReadJournal.Open(JournalPath, _time);

    private static TagRead Read(long eventNum, string reader = "portal-1") =>
        new(reader, eventNum, $"E280{eventNum:X20}", (int)(eventNum % 4) + 1, -60.5 + (eventNum % 7), Start.AddMicroseconds(eventNum));

    private static TagRead[] Reads(long from, int count, string reader = "portal-1") =>
        [.. Enumerable.Range(0, count).Select(i => Read(from + i, reader))];

    private static TelemetryFact Lead(string nonce, string booth = "booth-7", string attendee = "A-1") =>
        new(TelemetryFactKind.Lead, booth, attendee, nonce, Start.AddSeconds(5), """{"rating":4}""");

    private static Task<ReadAppendResult> Append(SqliteReadJournal journal, params TagRead[] reads) =>
        journal.AppendReadsAsync(reads).WithTimeout($"the append of {reads.Length} reads");

    [Fact]
    public async Task Appended_reads_and_facts_read_back_identically_in_sequence_order_after_reopening()
    {
        var local = new DateTimeOffset(2030, 6, 1, 11, 0, 0, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        TagRead[] written =
        [
            Read(1),
            new("portal ☂ north", 2, "E2801160600002", 2, -71.25, local),
            new("portal-2", long.MaxValue, "", 0, 0, Start.AddYears(-40)),
            Read(3),
        ];
        ReadAppendResult first, second;
        TelemetryFact fact;
        using (var journal = Open())
        {
            first = await Append(journal, written[..2]);
            _time.Advance(TimeSpan.FromSeconds(1));
            second = await Append(journal, written[2..]);
            fact = await journal.AppendFactAsync(Lead("n-1") with { At = local, Payload = "" }).WithTimeout("a fact");

            Assert.Equal(4, journal.LastReadSequence);
            Assert.Equal(1, journal.LastFactSequence);
        }

        Assert.Equal([1L, 2L], first.Accepted.Select(r => r.Sequence));
        Assert.Equal([3L, 4L], second.Accepted.Select(r => r.Sequence));
        Assert.All(first.Accepted, r => Assert.Equal(Start, r.ReceivedAt));
        Assert.All(second.Accepted, r => Assert.Equal(Start.AddSeconds(1), r.ReceivedAt));
        // Times are kept to the microsecond, in UTC: what the append handed back is what reads back.
        Assert.Equal(local.AddTicks(-7).UtcDateTime, first.Accepted[1].Read.ReadAt.UtcDateTime);
        Assert.Equal(TimeSpan.Zero, first.Accepted[1].Read.ReadAt.Offset);

        using var reopened = Open();
        Assert.Equal(4, reopened.LastReadSequence);
        Assert.Equal(1, reopened.LastFactSequence);
        Assert.Equal([.. first.Accepted, .. second.Accepted], reopened.ReadAll());
        Assert.Equal(second.Accepted, reopened.ReadAll(afterSequence: 2));
        Assert.Empty(reopened.ReadAll(afterSequence: 4));
        Assert.Equal([fact], reopened.ReadFacts());
        Assert.Equal(1, fact.Sequence);
        Assert.Equal(local.AddTicks(-7).UtcDateTime, fact.At.UtcDateTime);
        var next = await Append(reopened, Read(5));
        Assert.Equal(5, Assert.Single(next.Accepted).Sequence);
    }

    [Fact]
    public async Task A_read_repeated_within_one_batch_is_journaled_once()
    {
        using var journal = Open();

        var result = await Append(journal, Read(1), Read(2), Read(1), Read(2, "portal-2"), Read(2));

        Assert.Equal(2, result.Duplicates);
        Assert.Equal([(1L, "portal-1", 1L), (2L, "portal-1", 2L), (3L, "portal-2", 2L)], result.Accepted.Select(r => (r.Sequence, r.Read.ReaderId, r.Read.EventNum)));
        Assert.Equal(3, journal.ReadAll().Count());
        Assert.Equal(3, journal.AppendedReads);
        Assert.Equal(2, journal.DuplicateReads);
    }

    [Fact]
    public async Task A_read_already_journaled_is_a_duplicate_in_a_later_batch_and_after_reopening()
    {
        using (var journal = Open())
        {
            await Append(journal, Reads(1, 10));
            var again = await Append(journal, Reads(5, 10));

            Assert.Equal(6, again.Duplicates);
            Assert.Equal(Enumerable.Range(11, 4).Select(i => (long)i), again.Accepted.Select(r => r.Read.EventNum));
            Assert.Equal(Enumerable.Range(11, 4).Select(i => (long)i), again.Accepted.Select(r => r.Sequence));
        }

        using var reopened = Open();
        // A broker redelivering after a restart: everything is already held, nothing moves.
        var redelivered = await Append(reopened, Reads(1, 14));
        Assert.Empty(redelivered.Accepted);
        Assert.Equal(14, redelivered.Duplicates);
        Assert.Equal(14, reopened.LastReadSequence);
        Assert.Equal(0, reopened.AppendedReads);
        Assert.Equal(Enumerable.Range(1, 14).Select(i => (long)i), reopened.ReadAll().Select(r => r.Read.EventNum));
    }

    [Fact]
    public async Task A_rebooted_reader_numbering_its_events_from_1_again_has_its_new_reads_journaled()
    {
        using var journal = Open();
        await Append(journal, Reads(1, 5));

        // The reader reboots an hour later: the same event numbers, new reads.
        TagRead[] afterReboot = [.. Reads(1, 5).Select(r => r with { ReadAt = r.ReadAt.AddHours(1) })];
        var result = await Append(journal, afterReboot);

        Assert.Equal(0, result.Duplicates);
        Assert.Equal([6L, 7L, 8L, 9L, 10L], result.Accepted.Select(r => r.Sequence));
        Assert.Equal(afterReboot, result.Accepted.Select(r => r.Read));
        // ... and a redelivery of those is still a duplicate.
        var redelivered = await Append(journal, afterReboot);
        Assert.Equal(5, redelivered.Duplicates);
        Assert.Empty(redelivered.Accepted);
    }

    [Fact]
    public async Task A_version_1_journal_is_upgraded_in_place_keeping_its_reads_facts_and_sequences()
    {
        JournaledRead[] before;
        TelemetryFact fact;
        using (var journal = Open())
        {
            before = [.. (await Append(journal, Reads(1, 4))).Accepted];
            fact = await journal.AppendFactAsync(Lead("n-1")).WithTimeout("a fact");
        }

        // Rebuild the file as version 1 wrote it: reads keyed on (reader, event_num) alone.
        Sql.Execute(JournalPath, """
            CREATE TABLE reads_v1(seq INTEGER PRIMARY KEY, reader TEXT NOT NULL, event_num INTEGER NOT NULL, epc TEXT NOT NULL,
                antenna INTEGER NOT NULL, rssi REAL NOT NULL, read_at_us INTEGER NOT NULL, received_at_us INTEGER NOT NULL,
                UNIQUE(reader, event_num));
            INSERT INTO reads_v1 SELECT * FROM reads;
            DROP TABLE reads;
            ALTER TABLE reads_v1 RENAME TO reads;
            UPDATE meta SET value = '1' WHERE key = 'schema';
            """);

        using var upgraded = Open();

        Assert.Equal(before, upgraded.ReadAll());
        Assert.Equal([fact], upgraded.ReadFacts());
        Assert.Equal(4, upgraded.LastReadSequence);
        Assert.Equal("2", Sql.Scalar(JournalPath, "SELECT value FROM meta WHERE key = 'schema'"));
        // The old reads are still duplicates; the same numbers at a later time are new reads.
        Assert.Equal(4, (await Append(upgraded, Reads(1, 4))).Duplicates);
        var rebooted = await Append(upgraded, [.. Reads(1, 2).Select(r => r with { ReadAt = r.ReadAt.AddMinutes(5) })]);
        Assert.Equal([5L, 6L], rebooted.Accepted.Select(r => r.Sequence));
    }

    [Fact]
    public async Task Concurrent_appends_get_distinct_increasing_sequences_and_share_disk_commits()
    {
        const int Callers = 40;
        const int PerBatch = 25;
        using var journal = Open();
        var start = Signal.New();

        var appends = Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            await start.Task;
            return await journal.AppendReadsAsync(Reads(1, PerBatch, $"reader-{caller}"));
        })).ToList();
        start.SetResult();
        var results = await Task.WhenAll(appends).WithTimeout($"{Callers} concurrent appends");

        var sequences = results.SelectMany(r => r.Accepted.Select(a => a.Sequence)).Order().ToList();
        Assert.Equal(Enumerable.Range(1, Callers * PerBatch).Select(i => (long)i), sequences);
        // Each batch is written as one run, in batch order.
        Assert.All(results, r => Assert.Equal(Enumerable.Range((int)r.Accepted[0].Sequence, PerBatch).Select(i => (long)i), r.Accepted.Select(a => a.Sequence)));
        Assert.Equal(Callers * PerBatch, journal.AppendedReads);
        Assert.True(journal.Commits < Callers, $"{journal.Commits} commits for {Callers} appends: no group commit happened.");
        Assert.Equal(results.SelectMany(r => r.Accepted).OrderBy(r => r.Sequence), journal.ReadAll());
    }

    [Fact]
    public async Task A_fact_with_a_nonce_already_held_returns_the_stored_fact_and_stores_nothing_new()
    {
        TelemetryFact stored;
        using (var journal = Open())
        {
            stored = await journal.AppendFactAsync(Lead("n-1")).WithTimeout("the first capture");
            // The same capture retried, concurrently, with a changed payload: still the first one.
            var retries = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => journal.AppendFactAsync(Lead("n-1") with { Payload = """{"rating":1}""" })))
                .WithTimeout("the retried captures");
            Assert.All(retries, r => Assert.Equal(stored, r));

            // Another booth, or another kind, with the same nonce is another fact.
            var elsewhere = await journal.AppendFactAsync(Lead("n-1", booth: "booth-8")).WithTimeout("a capture at another booth");
            var challenge = await journal.AppendFactAsync(Lead("n-1") with { Kind = TelemetryFactKind.Challenge }).WithTimeout("a challenge");
            Assert.Equal([1L, 2L, 3L], new[] { stored, elsewhere, challenge }.Select(f => f.Sequence));
            Assert.Equal(3, journal.AppendedFacts);
        }

        using var reopened = Open();
        Assert.Equal(stored, await reopened.AppendFactAsync(Lead("n-1") with { AttendeeId = "A-2" }).WithTimeout("a capture retried after a restart"));
        Assert.Equal(3, reopened.LastFactSequence);
        Assert.Equal(3, reopened.ReadFacts().Count());
        Assert.Equal(["booth-8", "booth-7"], reopened.ReadFacts(afterSequence: 1).Select(f => f.Subject));
        Assert.Equal(0, reopened.LastReadSequence);
    }

    [Fact]
    public async Task A_wait_for_reads_after_a_sequence_completes_on_a_new_read_not_on_duplicates()
    {
        using var journal = Open();
        await Append(journal, Reads(1, 3));
        Assert.True(journal.WaitForReadsAsync(2).IsCompletedSuccessfully, "a read after 2 is already held");

        var waiting = journal.WaitForReadsAsync(3);
        var facts = journal.WaitForFactsAsync(0);
        await Append(journal, Reads(1, 3));
        Assert.False(waiting.IsCompleted, "a batch of duplicates woke the wait");

        await Append(journal, Read(4));
        await waiting.WithTimeout("the wait for a read after 3");
        Assert.False(facts.IsCompleted, "reads woke the wait for facts");
        await journal.AppendFactAsync(Lead("n-1")).WithTimeout("a fact");
        await facts.WithTimeout("the wait for a fact");

        var pending = journal.WaitForReadsAsync(4);
        journal.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WithTimeout("the wait ended by Dispose"));
        Assert.Throws<ObjectDisposedException>(() => { _ = journal.WaitForReadsAsync(4); });
    }

    [Fact]
    public void Opening_a_journal_of_another_schema_version_fails_with_a_clear_message()
    {
        Open().Dispose();
        Sql.Execute(JournalPath, "UPDATE meta SET value = '7' WHERE key = 'schema'");

        var thrown = Assert.Throws<InvalidDataException>(() => Open());

        Assert.Contains(JournalPath, thrown.Message, StringComparison.Ordinal);
        Assert.Contains("schema version 7", thrown.Message, StringComparison.Ordinal);
        Assert.Contains("reads version 2", thrown.Message, StringComparison.Ordinal);
        // The failed open let go of the file.
        Sql.Execute(JournalPath, "UPDATE meta SET value = '2' WHERE key = 'schema'");
        Open().Dispose();
    }

    [Fact]
    public async Task A_failed_commit_fails_the_append_and_leaves_nothing_of_it_behind()
    {
        using var journal = Open();
        await Append(journal, Reads(1, 2));
        // A real failure inside the writer's transaction, part-way through the batch.
        Sql.Execute(JournalPath, $"CREATE TRIGGER refuse BEFORE INSERT ON reads WHEN NEW.event_num = 5 BEGIN SELECT RAISE(ABORT, 'disk on fire'); END");

        var thrown = await Assert.ThrowsAsync<JournalWriteException>(() => Append(journal, Reads(3, 4)));
        Assert.Contains("disk on fire", thrown.Message, StringComparison.Ordinal);
        Assert.Contains(JournalPath, thrown.Message, StringComparison.Ordinal);
        Assert.Equal(2, journal.LastReadSequence);
        Assert.Equal(2, journal.ReadAll().Count());

        // Reads 3 and 4 went in before the failure; had they stayed, the retry would call them duplicates.
        Sql.Execute(JournalPath, "DROP TRIGGER refuse");
        var retried = await Append(journal, Reads(3, 4));
        Assert.Equal(0, retried.Duplicates);
        Assert.Equal([3L, 4L, 5L, 6L], retried.Accepted.Select(r => r.Sequence));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), journal.ReadAll().Select(r => r.Read.EventNum));
    }

    [Fact]
    public async Task Appends_racing_dispose_either_commit_or_fail_with_ObjectDisposedException_and_none_hangs()
    {
        const int Callers = 4;
        var journal = Open();
        var outcomes = new List<Task<ReadAppendResult>>[Callers];
        var running = Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            var mine = outcomes[caller] = [];
            for (var batch = 0; ; batch++)
            {
                Task<ReadAppendResult> append;
                try
                {
                    append = journal.AppendReadsAsync(Reads(batch * 10, 10, $"reader-{caller}"));
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                mine.Add(append);
                if (batch % 8 == 0)
                {
                    await append;
                }
            }
        })).ToList();
        await Eventually.UntilAsync(() => Task.FromResult(journal.Commits >= 5), TimeSpan.FromSeconds(10), "five commits");

        journal.Dispose();

        await Task.WhenAll(running).WithTimeout("the callers to see the journal closed");
        var all = outcomes.SelectMany(o => o).ToList();
        await Task.WhenAll(all.Select(a => a.ContinueWith(_ => { }, TaskScheduler.Default))).WithTimeout("every append queued before Dispose to finish");
        Assert.All(all, a => Assert.True(a.IsCompletedSuccessfully || a.Exception?.InnerException is ObjectDisposedException, $"an append ended {a.Status}: {a.Exception}"));
        var committed = all.Where(a => a.IsCompletedSuccessfully).SelectMany(a => a.Result.Accepted).ToList();
        Assert.Equal(committed.OrderBy(r => r.Sequence), SqliteReadJournal.ReadAll(JournalPath));
        Assert.Throws<ObjectDisposedException>(() => { _ = journal.AppendReadsAsync(Reads(0, 1)); });
        journal.Dispose(); // twice is harmless
    }

    [Fact]
    public async Task The_journal_is_in_WAL_mode_with_full_synchronous_commits()
    {
        using var journal = Open();
        await Append(journal, Read(1));

        Assert.Equal("wal", Sql.Scalar(JournalPath, "PRAGMA journal_mode"));
        var field = typeof(SqliteReadJournal).GetField("_connection", BindingFlags.NonPublic | BindingFlags.Instance)
            ?? throw new InvalidOperationException("SqliteReadJournal no longer keeps its connection in _connection; update this test.");
        Assert.Equal(2L, Sql.Scalar((SqliteConnection)field.GetValue(journal)!, "PRAGMA synchronous")); // 2 = FULL
    }

    [Fact]
    public async Task Every_read_a_killed_process_saw_acknowledged_is_in_the_journal_after_reopening()
    {
        const int KillAfterAcks = 40;
        var child = CrashChild();
        var info = new ProcessStartInfo(VenueExecutable.DotnetHost)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(child);
        info.ArgumentList.Add("read-journal");
        info.ArgumentList.Add(JournalPath);

        var acknowledged = new Dictionary<(string Reader, long EventNum), long>();
        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var acks = 0;
        try
        {
            while (await process.StandardOutput.ReadLineAsync().Within(TimeSpan.FromSeconds(30), $"acknowledgement {acks + 1} from the child") is { } line)
            {
                // A line the kill cut short has no "end": it was never fully printed, so it promised nothing.
                var fields = line.Split(' ');
                if (fields is not ["ack", _, .., "end"])
                {
                    continue;
                }

                foreach (var pair in fields[2..^1])
                {
                    var (eventNum, sequence) = (pair.Split(':')[0], pair.Split(':')[1]);
                    acknowledged.Add((fields[1], long.Parse(eventNum, System.Globalization.CultureInfo.InvariantCulture)), long.Parse(sequence, System.Globalization.CultureInfo.InvariantCulture));
                }

                if (++acks == KillAfterAcks)
                {
                    // SIGKILL mid-stream: appends are in flight, no shutdown code runs. What is already in
                    // the pipe is still read below: it was printed, so it was acknowledged.
                    process.Kill(entireProcessTree: false);
                }
            }
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: false);
            }
        }

        await process.WaitForExitAsync().Within(TimeSpan.FromSeconds(10), "the killed child to be reaped");
        Assert.True(acks >= KillAfterAcks, $"the child acknowledged {acks} batches before it ended:\n{await stderr}");

        using var reopened = Open();
        var journaled = reopened.ReadAll().ToDictionary(r => (r.Read.ReaderId, r.Read.EventNum), r => r.Sequence);
        Assert.All(acknowledged, ack => Assert.Equal(ack.Value, journaled.GetValueOrDefault(ack.Key)));
        // Sequences have no gaps, and each journaled read is there once.
        Assert.Equal(Enumerable.Range(1, journaled.Count).Select(i => (long)i), journaled.Values.Order());
        Assert.Equal(journaled.Count, reopened.LastReadSequence);
    }

    private static string CrashChild()
    {
        var built = typeof(SqliteReadJournalTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .First(a => a.Key == "CrashChildOutput").Value!;
        var dll = Path.Combine(built, "Venue.Storage.CrashChild.dll");
        return File.Exists(dll) ? dll : throw new InvalidOperationException($"{dll} has not been built.");
    }
}
