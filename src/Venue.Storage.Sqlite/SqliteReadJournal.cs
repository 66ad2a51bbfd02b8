using Microsoft.Data.Sqlite;
using Venue.Domain.Readers;

namespace Venue.Storage.Sqlite;

/// <summary>
/// The edge's journal of RFID reads and telemetry facts (<c>telemetry.db</c>): SQLite in WAL mode
/// with <c>synchronous=FULL</c> and one writer thread doing group commit, as the check-in journal.
/// Reads are deduplicated by a unique index on (reader, event number, read time), so the dedup is in
/// the file and holds across restarts: a read journaled before a crash is a duplicate after it. The
/// read time is in the key because a reader that reboots numbers its events from 1 again; a
/// redelivery or a replay of its buffer repeats the event whole, time included. Reads and
/// facts have sequences of their own (1, 2, 3, ...), each without gaps.
/// </summary>
public sealed class SqliteReadJournal : IReadJournal, IDisposable
{
    // Reads per transaction at most (a batch is never split): bounds a commit's memory and the wait
    // of the first caller in it, while still amortizing the disk sync over thousands of reads.
    private const int MaxReadsPerCommit = 16_384;
    private const int CompletionSlice = 16;
    private const int SchemaVersion = 2;

    private static readonly ReadAppendResult Nothing = new([], 0);

    private readonly SqliteConnection _connection;
    private readonly ReadJournalStatements _statements;
    private readonly TimeProvider _time;
    private readonly GroupCommitWriter<Pending> _writer;
    private readonly CommittedSequence _reads;
    private readonly CommittedSequence _facts;
    private long _appendedReads;
    private long _duplicateReads;
    private long _appendedFacts;
    private long _commits;

    private SqliteReadJournal(SqliteConnection connection, string path, TimeProvider time, long lastRead, long lastFact, JournalOptions options)
    {
        Path = path;
        _connection = connection;
        _time = time;
        // Prepared here, on the opening thread: a failure is the caller's exception, not a dead writer thread.
        _statements = new ReadJournalStatements(connection.Handle!);
        _reads = new CommittedSequence(lastRead);
        _facts = new CommittedSequence(lastFact);
        _writer = new GroupCommitWriter<Pending>("venue-reads", path, _statements, options, time, this, CommitQueued);
        _writer.Start();
    }

    public string Path { get; }

    /// <summary>Why commits fail (disk full, I/O error) and since when; null while they succeed.</summary>
    public JournalFailure? Failure => _writer.Failure;

    /// <summary>Highest read sequence committed so far.</summary>
    public long LastReadSequence => _reads.Value;

    /// <summary>Highest fact sequence committed so far.</summary>
    public long LastFactSequence => _facts.Value;

    /// <summary>New reads committed by this instance.</summary>
    public long AppendedReads => Interlocked.Read(ref _appendedReads);

    /// <summary>Reads this instance was handed that the journal already held.</summary>
    public long DuplicateReads => Interlocked.Read(ref _duplicateReads);

    /// <summary>New facts committed by this instance (a retried nonce is not counted).</summary>
    public long AppendedFacts => Interlocked.Read(ref _appendedFacts);

    /// <summary>Disk commits so far: fewer than the appends when concurrent appends shared a commit.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>WAL rewinds the writer has brought about (see <see cref="JournalOptions.RestartWalAfterFrames"/>).</summary>
    public long WalRestarts => _writer.WalRestarts;

    // Version 1 keyed reads by (reader, event_num) alone: a rebooted reader's reads were all dropped
    // as duplicates until its count passed the old one. SQLite cannot change a table's constraint,
    // so the table is copied into one with the new key (the same rows, sequences kept).
    private const string ReadsColumns = """
            seq INTEGER PRIMARY KEY,
            reader TEXT NOT NULL,
            event_num INTEGER NOT NULL,
            epc TEXT NOT NULL,
            antenna INTEGER NOT NULL,
            rssi REAL NOT NULL,
            read_at_us INTEGER NOT NULL,
            received_at_us INTEGER NOT NULL,
            UNIQUE(reader, event_num, read_at_us)
        """;

    private const string UpgradeReadIdentity = $"""
        CREATE TABLE reads_v2({ReadsColumns});
        INSERT INTO reads_v2(seq, reader, event_num, epc, antenna, rssi, read_at_us, received_at_us)
            SELECT seq, reader, event_num, epc, antenna, rssi, read_at_us, received_at_us FROM reads ORDER BY seq;
        DROP TABLE reads;
        ALTER TABLE reads_v2 RENAME TO reads;
        """;

    /// <summary>
    /// Opens (or creates) the journal at <paramref name="path"/>. Fails with <see cref="InvalidDataException"/>
    /// when the file holds a schema version this build cannot read; a version 1 file is upgraded in
    /// place. <paramref name="time"/> stamps when reads were received.
    /// </summary>
    public static SqliteReadJournal Open(string path, TimeProvider time, JournalOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(time);
        var connection = JournalFile.Open(path, "Read journal", "meta", SchemaVersion, $"""
            CREATE TABLE IF NOT EXISTS reads({ReadsColumns});
            CREATE TABLE IF NOT EXISTS facts(
                seq INTEGER PRIMARY KEY,
                kind INTEGER NOT NULL,
                subject TEXT NOT NULL,
                attendee TEXT NOT NULL,
                nonce TEXT NOT NULL,
                at_us INTEGER NOT NULL,
                payload TEXT NOT NULL,
                UNIQUE(kind, subject, nonce));
            """, [UpgradeReadIdentity]);
        try
        {
            using var last = connection.CreateCommand();
            last.CommandText = "SELECT (SELECT coalesce(max(seq), 0) FROM reads), (SELECT coalesce(max(seq), 0) FROM facts)";
            using var reader = last.ExecuteReader();
            reader.Read();
            return new SqliteReadJournal(connection, path, time, reader.GetInt64(0), reader.GetInt64(1), options ?? new JournalOptions());
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Appends a batch of reads in the writer's next transaction, shared with whatever else is queued,
    /// and completes once it is on disk. The batch is read by the writer thread: leave it unchanged
    /// until the append completes.
    /// </summary>
    public Task<ReadAppendResult> AppendReadsAsync(IReadOnlyList<TagRead> reads, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reads);
        for (var i = 0; i < reads.Count; i++)
        {
            // Checked here so a bad read is its caller's exception, not a failed commit for everyone sharing it.
            var read = reads[i] ?? throw new ArgumentException($"Read {i} of the batch is null.", nameof(reads));
            if (read.ReaderId is null || read.Epc is null)
            {
                throw new ArgumentException($"Read {i} of the batch has no reader id or EPC.", nameof(reads));
            }

            if (!double.IsFinite(read.PeakRssi))
            {
                // SQLite would store NaN as NULL and fail the whole shared commit on the NOT NULL column.
                throw new ArgumentException($"Read {i} of the batch has a peak RSSI of {read.PeakRssi}.", nameof(reads));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (reads.Count == 0)
        {
            ObjectDisposedException.ThrowIf(_writer.Stopping, this);
            return Task.FromResult(Nothing);
        }

        var append = new ReadsAppend(reads, RawStatements.AsStored(_time.GetUtcNow()));
        _writer.Enqueue(new Pending(append, null));
        // Cancelling gives up the wait, not the write: the reads may yet commit, and a retry of them is a duplicate.
        return cancellationToken.CanBeCanceled ? append.Task.WaitAsync(cancellationToken) : append.Task;
    }

    /// <summary>
    /// Appends a fact durably. A fact with the (kind, subject, nonce) of one already held is not
    /// stored again: the one held is returned, with its sequence.
    /// </summary>
    public Task<TelemetryFact> AppendFactAsync(TelemetryFact fact, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(fact);
        if (fact.Subject is null || fact.AttendeeId is null || fact.Nonce is null || fact.Payload is null)
        {
            throw new ArgumentException("A fact needs a subject, an attendee, a nonce and a payload.", nameof(fact));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var append = new FactAppend(fact);
        _writer.Enqueue(new Pending(null, append));
        return cancellationToken.CanBeCanceled ? append.Task.WaitAsync(cancellationToken) : append.Task;
    }

    /// <summary>
    /// Completes once a read after <paramref name="afterSequence"/> is committed (at once if one is
    /// already), so the uplink waits for new reads without polling the database.
    /// </summary>
    public Task WaitForReadsAsync(long afterSequence, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_writer.Stopping, this);
        return _reads.WaitBeyondAsync(afterSequence, this, cancellationToken);
    }

    /// <summary>As <see cref="WaitForReadsAsync"/>, for facts.</summary>
    public Task WaitForFactsAsync(long afterSequence, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_writer.Stopping, this);
        return _facts.WaitBeyondAsync(afterSequence, this, cancellationToken);
    }

    /// <summary>Reads in sequence order after <paramref name="afterSequence"/>, streamed from a connection of its own.</summary>
    public IEnumerable<JournaledRead> ReadAll(long afterSequence = 0) => ReadAll(Path, afterSequence);

    /// <summary>Facts in sequence order after <paramref name="afterSequence"/>, streamed from a connection of its own.</summary>
    public IEnumerable<TelemetryFact> ReadFacts(long afterSequence = 0) => ReadFacts(Path, afterSequence);

    /// <inheritdoc cref="ReadAll(long)"/>
    public static IEnumerable<JournaledRead> ReadAll(string path, long afterSequence = 0)
    {
        using var connection = JournalFile.OpenReadOnly(path);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT seq, reader, event_num, epc, antenna, rssi, read_at_us, received_at_us
            FROM reads WHERE seq > $after ORDER BY seq
            """;
        command.Parameters.AddWithValue("$after", afterSequence);
        using var row = JournalFile.Reading("Read journal", path, command.ExecuteReader);
        while (JournalFile.Reading("Read journal", path, row.Read))
        {
            var read = new TagRead(row.GetString(1), row.GetInt64(2), row.GetString(3), row.GetInt32(4), row.GetDouble(5), RawStatements.FromMicros(row.GetInt64(6)));
            yield return new JournaledRead(row.GetInt64(0), read, RawStatements.FromMicros(row.GetInt64(7)));
        }
    }

    /// <inheritdoc cref="ReadFacts(long)"/>
    public static IEnumerable<TelemetryFact> ReadFacts(string path, long afterSequence = 0)
    {
        using var connection = JournalFile.OpenReadOnly(path);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT seq, kind, subject, attendee, nonce, at_us, payload
            FROM facts WHERE seq > $after ORDER BY seq
            """;
        command.Parameters.AddWithValue("$after", afterSequence);
        using var row = JournalFile.Reading("Read journal", path, command.ExecuteReader);
        while (JournalFile.Reading("Read journal", path, row.Read))
        {
            yield return new TelemetryFact((TelemetryFactKind)row.GetInt32(1), row.GetString(2), row.GetString(3), row.GetString(4),
                RawStatements.FromMicros(row.GetInt64(5)), row.GetString(6))
            {
                Sequence = row.GetInt64(0),
            };
        }
    }

    private void CommitQueued(List<Pending> queued)
    {
        var start = 0;
        while (start < queued.Count)
        {
            var end = start + 1;
            var reads = queued[start].Size;
            while (end < queued.Count && reads + queued[end].Size <= MaxReadsPerCommit)
            {
                reads += queued[end].Size;
                end++;
            }

            var group = new Pending[end - start];
            queued.CopyTo(start, group, 0, group.Length);
            Commit(group);
            start = end;
        }
    }

    private void Commit(Pending[] group)
    {
        var sql = _statements;
        var readSequence = _reads.Value;
        var factSequence = _facts.Value;
        long duplicates = 0, facts = 0;
        try
        {
            sql.Begin();
            foreach (var pending in group)
            {
                if (pending.Reads is { } reads)
                {
                    duplicates += Write(reads, ref readSequence);
                }
                else if (Write(pending.Fact!, ref factSequence))
                {
                    facts++;
                }
            }

            sql.Commit();
        }
        catch (Exception failure)
        {
            // Nothing of the group stays: the transaction is rolled back and the sequences were only local.
            sql.Rollback();
            _writer.Failed(failure, group.Length);
            // As on success, waiters resume on the pool, never on this thread: a waiter's continuation run
            // here would stall every later commit, and one that disposes the journal would join itself.
            ThreadPool.UnsafeQueueUserWorkItem(static failed =>
            {
                foreach (var pending in failed.Group)
                {
                    pending.Fail(failed.Error);
                }
            }, (Group: group, Error: new JournalWriteException(Path, failure)), preferLocal: false);
            return;
        }

        // Only a sequence that moved is announced: a batch of duplicates wakes no uplink.
        var added = readSequence - _reads.Value;
        if (added > 0)
        {
            _reads.Advance(readSequence);
        }

        if (facts > 0)
        {
            _facts.Advance(factSequence);
        }
        Interlocked.Add(ref _appendedReads, added);
        Interlocked.Add(ref _duplicateReads, duplicates);
        Interlocked.Add(ref _appendedFacts, facts);
        Interlocked.Increment(ref _commits);
        _writer.Committed();

        // Waiters resume inline on a pool thread, one hop per slice of appends rather than one per append.
        for (var slice = 0; slice < group.Length; slice += CompletionSlice)
        {
            ThreadPool.UnsafeQueueUserWorkItem(new CompletionWork(group, slice, Math.Min(group.Length, slice + CompletionSlice)), preferLocal: false);
        }
    }

    /// <summary>Inserts a batch's reads; returns how many were duplicates.</summary>
    private int Write(ReadsAppend append, ref long sequence)
    {
        var reads = append.Reads;
        var receivedAtUs = RawStatements.Micros(append.ReceivedAt);
        var accepted = new JournaledRead[reads.Count];
        var count = 0;
        for (var i = 0; i < reads.Count; i++)
        {
            var read = reads[i];
            if (_statements.InsertRead(sequence + 1, read, receivedAtUs))
            {
                accepted[count++] = new JournaledRead(++sequence, AsStored(read), append.ReceivedAt);
            }
        }

        if (count < accepted.Length)
        {
            Array.Resize(ref accepted, count);
        }

        append.Outcome = new ReadAppendResult(accepted, reads.Count - count);
        return reads.Count - count;
    }

    /// <summary>Inserts a fact, or finds the one held for its nonce; true when it is new.</summary>
    private bool Write(FactAppend append, ref long sequence)
    {
        var fact = append.Fact;
        if (_statements.InsertFact(sequence + 1, fact))
        {
            append.Outcome = fact with { Sequence = ++sequence, At = RawStatements.AsStored(fact.At) };
            return true;
        }

        append.Outcome = _statements.FindFact(fact.Kind, fact.Subject, fact.Nonce);
        return false;
    }

    /// <summary>
    /// The read as stored (its time in whole microseconds, UTC), so what an append returns equals what
    /// <see cref="ReadAll(long)"/> gives back; the same instance when nothing changes, as is usual.
    /// </summary>
    private static TagRead AsStored(TagRead read) =>
        read.ReadAt.Offset == TimeSpan.Zero && read.ReadAt.UtcTicks % 10 == 0 ? read : read with { ReadAt = RawStatements.AsStored(read.ReadAt) };

    /// <summary>Commits what is queued, then stops the writer and closes the database; later appends are refused.</summary>
    public void Dispose()
    {
        if (!_writer.Stop())
        {
            return;
        }

        _reads.Close(nameof(SqliteReadJournal));
        _facts.Close(nameof(SqliteReadJournal));
        _statements.Dispose();
        _connection.Dispose();
    }

    /// <summary>One queued append: a batch of reads or a fact.</summary>
    private readonly record struct Pending(ReadsAppend? Reads, FactAppend? Fact)
    {
        public int Size => Reads?.Reads.Count ?? 1;

        public void Complete()
        {
            if (Reads is { } reads)
            {
                reads.TrySetResult(reads.Outcome!);
            }
            else
            {
                Fact!.TrySetResult(Fact.Outcome!);
            }
        }

        public void Fail(Exception error)
        {
            if (Reads is { } reads)
            {
                reads.TrySetException(error);
            }
            else
            {
                Fact!.TrySetException(error);
            }
        }
    }

    // The append is its own completion: one object per batch rather than two.
    private sealed class ReadsAppend(IReadOnlyList<TagRead> reads, DateTimeOffset receivedAt) : TaskCompletionSource<ReadAppendResult>
    {
        public IReadOnlyList<TagRead> Reads { get; } = reads;

        public DateTimeOffset ReceivedAt { get; } = receivedAt;

        public ReadAppendResult? Outcome { get; set; }
    }

    private sealed class FactAppend(TelemetryFact fact) : TaskCompletionSource<TelemetryFact>
    {
        public TelemetryFact Fact { get; } = fact;

        public TelemetryFact? Outcome { get; set; }
    }

    private sealed class CompletionWork(Pending[] group, int from, int to) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            for (var i = from; i < to; i++)
            {
                group[i].Complete();
            }
        }
    }
}
