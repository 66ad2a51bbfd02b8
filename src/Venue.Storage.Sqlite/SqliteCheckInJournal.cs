using Microsoft.Data.Sqlite;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;

namespace Venue.Storage.Sqlite;

/// <summary>
/// The edge journal: SQLite in WAL mode with <c>synchronous=FULL</c>, so a committed entry survives
/// a crash or power cut. One writer thread commits whatever has queued up since its last commit in
/// one transaction (group commit): at high load a single disk sync covers hundreds of scans, and at
/// low load an entry waits for just its own commit.
/// </summary>
public sealed class SqliteCheckInJournal : ICheckInJournal, IDisposable
{
    private const int MaxBatch = 4096;
    private const int CompletionSlice = 64;
    private const int SchemaVersion = 1;

    private readonly SqliteConnection _connection;
    private readonly RawStatements _statements;
    private readonly HybridLogicalClock _clock;
    private readonly Thread _writer;
    private readonly object _gate = new();
    private List<Pending> _queue = [];
    private List<Pending> _spare = [];
    private volatile bool _stopping;
    private long _lastSequence;
    private long _commits;
    private long _appended;
    private long _commitsSinceCheckpoint;
    private int _restartWanted;
    private long _walRestarts;
    private readonly JournalOptions _options;
    private readonly AutoResetEvent _checkpointDue = new(false);
    private Thread? _checkpointer;
    // Highest clock reading seen from elsewhere (remote passages); the writer moves its clock past it before each commit.
    private long _observedHlc;
    // Set only while someone awaits an append, so a commit with nobody waiting costs one volatile read.
    private TaskCompletionSource? _appendSignal;

    private readonly record struct Pending(JournalEntry Entry, TaskCompletionSource<JournalEntry> Completion);

    private SqliteCheckInJournal(SqliteConnection connection, TimeProvider time, long lastSequence, long lastHlc, JournalOptions options)
    {
        _options = options;
        _connection = connection;
        // Prepared here, on the opening thread: a failure is the caller's exception, not a dead writer thread.
        _statements = new RawStatements(connection.Handle!);
        _clock = new HybridLogicalClock(time);
        _clock.Observe(lastHlc);
        _lastSequence = lastSequence;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = "venue-journal-writer" };
        _writer.Start();
    }

    private void StartCheckpointer()
    {
        _checkpointer = new Thread(CheckpointLoop) { IsBackground = true, Name = "venue-journal-checkpoint" };
        _checkpointer.Start();
    }

    public string Path { get; private init; } = "";

    /// <summary>Highest sequence committed so far.</summary>
    public long LastSequence => Interlocked.Read(ref _lastSequence);

    /// <summary>Disk commits so far; <see cref="Appended"/> / <see cref="Commits"/> is the mean group size.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public long Appended => Interlocked.Read(ref _appended);

    public static SqliteCheckInJournal Open(string path, TimeProvider time, JournalOptions? options = null)
    {
        options ??= new JournalOptions();
        ArgumentException.ThrowIfNullOrEmpty(path);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        Execute(connection, """
            PRAGMA journal_mode=WAL;
            PRAGMA synchronous=FULL;
            PRAGMA wal_autocheckpoint=0;
            PRAGMA busy_timeout=5000;
            PRAGMA journal_size_limit=67108864;
            CREATE TABLE IF NOT EXISTS journal_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS journal(
                seq INTEGER PRIMARY KEY,
                hlc INTEGER NOT NULL,
                at_us INTEGER NOT NULL,
                scanned_at_us INTEGER NOT NULL,
                gate TEXT NOT NULL,
                attendee TEXT,
                direction INTEGER NOT NULL,
                reason INTEGER NOT NULL,
                nonce TEXT NOT NULL,
                ticket_type TEXT);
            """);
        using (var check = connection.CreateCommand())
        {
            check.CommandText = "SELECT value FROM journal_meta WHERE key = 'schema'";
            var version = check.ExecuteScalar() as string;
            if (version is null)
            {
                Execute(connection, $"INSERT INTO journal_meta(key, value) VALUES ('schema', '{SchemaVersion}')");
            }
            else if (version != SchemaVersion.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                connection.Dispose();
                throw new InvalidDataException($"Journal {path} has schema version {version}; this build reads version {SchemaVersion}.");
            }
        }

        long lastSeq = 0, lastHlc = 0;
        using (var last = connection.CreateCommand())
        {
            last.CommandText = "SELECT seq, hlc FROM journal ORDER BY seq DESC LIMIT 1";
            using var reader = last.ExecuteReader();
            if (reader.Read())
            {
                lastSeq = reader.GetInt64(0);
                lastHlc = reader.GetInt64(1);
            }
        }

        var journal = new SqliteCheckInJournal(connection, time, lastSeq, lastHlc, options) { Path = path };
        journal.StartCheckpointer();
        return journal;
    }

    /// <summary>
    /// Moves the journal's hybrid logical clock past a reading seen elsewhere (another edge's passage),
    /// so every entry appended after this returns is stamped later than it. Thread-safe; the writer
    /// thread takes it in before its next commit.
    /// </summary>
    public void ObserveHlc(long hlc)
    {
        var seen = Interlocked.Read(ref _observedHlc);
        while (hlc > seen)
        {
            var before = Interlocked.CompareExchange(ref _observedHlc, hlc, seen);
            if (before == seen)
            {
                return;
            }

            seen = before;
        }
    }

    /// <summary>
    /// Completes once an entry after <paramref name="afterSequence"/> is committed (at once if one is
    /// already). Lets the uplink wait for new entries without polling the database.
    /// </summary>
    public Task WaitForAppendAsync(long afterSequence, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            var signal = Volatile.Read(ref _appendSignal);
            if (signal is null)
            {
                signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (Interlocked.CompareExchange(ref _appendSignal, signal, null) is not null)
                {
                    continue;
                }
            }

            // Read after publishing the signal: the writer stores the sequence before it takes the
            // signal, so either this read sees the new entry or the writer sees (and completes) the signal.
            if (Interlocked.Read(ref _lastSequence) > afterSequence)
            {
                return Task.CompletedTask;
            }

            // Likewise against Dispose, which sets _stopping before it fails the signal it finds.
            ObjectDisposedException.ThrowIf(_stopping, this);
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    private void SignalAppend()
    {
        if (Volatile.Read(ref _appendSignal) is { } signal && Interlocked.CompareExchange(ref _appendSignal, null, signal) == signal)
        {
            signal.TrySetResult();
        }
    }

    public Task<JournalEntry> AppendAsync(JournalEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var completion = new TaskCompletionSource<JournalEntry>();
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _queue.Add(new Pending(entry, completion));
            if (_queue.Count == 1)
            {
                Monitor.Pulse(_gate);
            }
        }

        return completion.Task;
    }

    private void WriteLoop()
    {
        var statements = _statements;
        while (true)
        {
            List<Pending> batch;
            lock (_gate)
            {
                while (_queue.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_gate);
                }

                if (_queue.Count == 0)
                {
                    return;
                }

                batch = _queue;
                _queue = _spare;
                _spare = batch;
            }

            for (var start = 0; start < batch.Count; start += MaxBatch)
            {
                Commit(batch, start, Math.Min(MaxBatch, batch.Count - start), statements);
            }

            batch.Clear();
            if (Interlocked.Exchange(ref _restartWanted, 0) == 1)
            {
                FinishCheckpoint(statements);
            }
        }
    }

    private void Commit(List<Pending> batch, int start, int count, RawStatements sql)
    {
        var stored = new Completed[count];
        var sequence = _lastSequence;
        _clock.Observe(Interlocked.Read(ref _observedHlc));
        try
        {
            sql.Begin();
            for (var i = 0; i < count; i++)
            {
                var pending = batch[start + i];
                var e = pending.Entry with
                {
                    Sequence = ++sequence,
                    Hlc = _clock.Now(),
                    At = AsStored(pending.Entry.At),
                    ScannedAt = AsStored(pending.Entry.ScannedAt),
                };
                sql.Insert(e);
                stored[i] = new Completed(e, pending.Completion);
            }

            sql.Commit();
        }
        catch (Exception failure)
        {
            sql.Rollback();
            var waiters = new TaskCompletionSource<JournalEntry>[count];
            for (var i = 0; i < count; i++)
            {
                waiters[i] = batch[start + i].Completion;
            }

            // As on success, waiters resume on the pool, never on this thread: a waiter's continuation run
            // here would stall every later commit, and one that disposes the journal would join itself.
            ThreadPool.UnsafeQueueUserWorkItem(static failed =>
            {
                foreach (var waiter in failed.Waiters)
                {
                    waiter.TrySetException(failed.Error);
                }
            }, (Waiters: waiters, Error: new JournalWriteException(Path, failure)), preferLocal: false);
            return;
        }

        Interlocked.Exchange(ref _lastSequence, sequence);
        SignalAppend();
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _appended, count);
        if (Interlocked.Increment(ref _commitsSinceCheckpoint) == _options.CheckpointEveryCommits)
        {
            _checkpointDue.Set();
        }

        // Waiters resume inline on a few pool threads, one hop per slice rather than one per entry:
        // on a 2-core edge the per-entry thread wake-ups cost more than the entries themselves.
        for (var slice = 0; slice < count; slice += CompletionSlice)
        {
            ThreadPool.UnsafeQueueUserWorkItem(new CompletionWork(stored, slice, Math.Min(count, slice + CompletionSlice)), preferLocal: false);
        }
    }

    /// <summary>WAL rewinds the writer has brought about (see <see cref="JournalOptions.RestartWalAfterFrames"/>).</summary>
    public long WalRestarts => Interlocked.Read(ref _walRestarts);

    private void FinishCheckpoint(RawStatements sql)
    {
        try
        {
            if (sql.Checkpoint())
            {
                Interlocked.Increment(ref _walRestarts);
            }
        }
        catch (InvalidOperationException)
        {
            // A reader holding an old snapshot can stop the copy; the checkpointer asks again later.
        }
    }

    private readonly record struct Completed(JournalEntry Entry, TaskCompletionSource<JournalEntry> Completion);

    private sealed class CompletionWork(Completed[] completed, int from, int to) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            for (var i = from; i < to; i++)
            {
                completed[i].Completion.TrySetResult(completed[i].Entry);
            }
        }
    }

    /// <summary>
    /// Checkpoints the WAL into the database on a thread of its own (PASSIVE: never blocks the
    /// writer), so the copy and its disk sync stay out of the commit path.
    /// </summary>
    private void CheckpointLoop()
    {
        SqliteConnection? connection = null;
        while (!_stopping)
        {
            _checkpointDue.WaitOne(TimeSpan.FromSeconds(1));
            if (Interlocked.Exchange(ref _commitsSinceCheckpoint, 0) == 0)
            {
                continue;
            }

            try
            {
                connection ??= OpenCheckpointConnection();
                using var checkpoint = connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
                using var reader = checkpoint.ExecuteReader();
                if (reader.Read() && reader.GetInt64(1) >= _options.RestartWalAfterFrames)
                {
                    // Copying alongside a busy writer never quite catches up, so the WAL would never
                    // start over and would grow all morning; the writer finishes the copy between two
                    // commits (only the frames since this pass), and the next commit rewinds the WAL.
                    Volatile.Write(ref _restartWanted, 1);
                }
            }
            catch (SqliteException)
            {
                // A busy or failed checkpoint is retried on the next round; the WAL keeps everything meanwhile.
                connection?.Dispose();
                connection = null;
                Interlocked.Increment(ref _commitsSinceCheckpoint);
            }
        }

        connection?.Dispose();
    }

    private SqliteConnection OpenCheckpointConnection()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>Reads entries in sequence order, from <paramref name="afterSequence"/> on. Uses its own connection.</summary>
    public static IEnumerable<JournalEntry> ReadAll(string path, long afterSequence = 0)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT seq, hlc, at_us, scanned_at_us, gate, attendee, direction, reason, nonce, ticket_type
            FROM journal WHERE seq > $after ORDER BY seq
            """;
        command.Parameters.AddWithValue("$after", afterSequence);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            yield return new JournalEntry(
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                (ScanDirection)reader.GetInt32(6),
                (ScanReason)reader.GetInt32(7),
                reader.GetString(8),
                FromMicros(reader.GetInt64(3)),
                FromMicros(reader.GetInt64(2)))
            {
                Sequence = reader.GetInt64(0),
                Hlc = reader.GetInt64(1),
                TicketType = reader.IsDBNull(9) ? null : reader.GetString(9),
            };
        }
    }

    public IEnumerable<JournalEntry> ReadAll(long afterSequence = 0) => ReadAll(Path, afterSequence);

    private static DateTimeOffset FromMicros(long us) => new(DateTimeOffset.UnixEpoch.UtcTicks + (us * 10), TimeSpan.Zero);

    /// <summary>
    /// Times are stored as whole microseconds in UTC; the entry an append hands back carries them so,
    /// and equals what <see cref="ReadAll(string, long)"/> reads after a restart (a retried nonce gets the same answer).
    /// </summary>
    private static DateTimeOffset AsStored(DateTimeOffset time) => FromMicros(RawStatements.Micros(time));

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Commits what is queued, then stops the writer and closes the database.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        _writer.Join();
        if (Interlocked.Exchange(ref _appendSignal, null) is { } waiting)
        {
            waiting.TrySetException(new ObjectDisposedException(nameof(SqliteCheckInJournal)));
        }

        _checkpointDue.Set();
        _checkpointer?.Join();
        _checkpointDue.Dispose();
        _statements.Dispose();
        _connection.Dispose();
    }
}
