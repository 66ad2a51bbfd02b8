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
    private readonly CheckInStatements _statements;
    private readonly HybridLogicalClock _clock;
    private readonly GroupCommitWriter<Pending> _writer;
    private readonly CommittedSequence _committed;
    private long _commits;
    private long _appended;
    // Highest clock reading seen from elsewhere (remote passages); the writer moves its clock past it before each commit.
    private long _observedHlc;

    private readonly record struct Pending(JournalEntry Entry, TaskCompletionSource<JournalEntry> Completion);

    private SqliteCheckInJournal(SqliteConnection connection, string path, TimeProvider time, long lastSequence, long lastHlc, JournalOptions options)
    {
        Path = path;
        _connection = connection;
        // Prepared here, on the opening thread: a failure is the caller's exception, not a dead writer thread.
        _statements = new CheckInStatements(connection.Handle!);
        _clock = new HybridLogicalClock(time);
        _clock.Observe(lastHlc);
        _committed = new CommittedSequence(lastSequence);
        _writer = new GroupCommitWriter<Pending>("venue-journal", path, _statements, options, time, this, CommitQueued);
        _writer.Start();
    }

    public string Path { get; }

    /// <summary>Why commits fail (disk full, I/O error) and since when; null while they succeed (/healthz shows it).</summary>
    public JournalFailure? Failure => _writer.Failure;

    /// <summary>Highest sequence committed so far.</summary>
    public long LastSequence => _committed.Value;

    /// <summary>Disk commits so far; <see cref="Appended"/> / <see cref="Commits"/> is the mean group size.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public long Appended => Interlocked.Read(ref _appended);

    /// <summary>
    /// Opens (or creates) the journal at <paramref name="path"/>. With <paramref name="eventId"/> the
    /// journal is claimed for that event: a new (or unstamped) journal is stamped with it, and one stamped
    /// with another event is refused, unchanged, before anything replays its scans under this event's ledger.
    /// </summary>
    public static SqliteCheckInJournal Open(string path, TimeProvider time, JournalOptions? options = null, string? eventId = null)
    {
        options ??= new JournalOptions();
        var connection = JournalFile.Open(path, "Journal", "journal_meta", SchemaVersion, """
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
        if (eventId is not null)
        {
            try
            {
                ClaimEvent(connection, path, eventId);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }

        long lastSeq = 0, lastHlc = 0;
        try
        {
            using var last = connection.CreateCommand();
            last.CommandText = "SELECT seq, hlc FROM journal ORDER BY seq DESC LIMIT 1";
            using var reader = JournalFile.Reading("Journal", path, last.ExecuteReader);
            if (JournalFile.Reading("Journal", path, reader.Read))
            {
                lastSeq = reader.GetInt64(0);
                lastHlc = reader.GetInt64(1);
            }
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return new SqliteCheckInJournal(connection, path, time, lastSeq, lastHlc, options);
    }

    /// <summary>The event this journal's scans were made at, as stamped by <see cref="Open"/>; null if never stamped.</summary>
    private static string? ReadEvent(SqliteConnection connection)
    {
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT value FROM journal_meta WHERE key = 'event'";
        return read.ExecuteScalar() as string;
    }

    private static void ClaimEvent(SqliteConnection connection, string path, string eventId)
    {
        // Attendee ids repeat between events ("A00001" is in every generated ledger): replayed under
        // another event's ledger, yesterday's admissions would refuse today's attendees as already inside,
        // and the uplink would send them to central as this event's scans.
        if (ReadEvent(connection) is { } stamped)
        {
            if (!string.Equals(stamped, eventId, StringComparison.Ordinal))
            {
                throw new InvalidDataException(
                    $"Journal {path} holds the scans of event '{stamped}', and this edge's ledger is for event '{eventId}'. " +
                    "Start this event on a fresh data directory (Edge:DataDirectory) and keep this one aside: its journal, and any ledger.jsonl and sync.db beside it, belong to the other event.");
            }

            return;
        }

        // Journals made before the stamp existed are taken to belong to the ledger they are next opened with.
        using var stamp = connection.CreateCommand();
        stamp.CommandText = "INSERT INTO journal_meta(key, value) VALUES ('event', $event)";
        stamp.Parameters.AddWithValue("$event", eventId);
        stamp.ExecuteNonQuery();
    }

    /// <summary>
    /// Moves the journal's hybrid logical clock past a reading seen elsewhere (another edge's passage),
    /// so every entry appended after this returns is stamped later than it. A reading past
    /// <see cref="HybridLogicalClock.MaxFollowed"/> is ignored. Thread-safe; the writer thread takes it
    /// in before its next commit.
    /// </summary>
    public void ObserveHlc(long hlc)
    {
        if (hlc > HybridLogicalClock.MaxFollowed)
        {
            // Past what any clock reads (a passage stored before edges checked this): followed, every
            // later entry of this edge would be stamped where central refuses it.
            return;
        }

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
        ObjectDisposedException.ThrowIf(_writer.Stopping, this);
        return _committed.WaitBeyondAsync(afterSequence, this, cancellationToken);
    }

    public Task<JournalEntry> AppendAsync(JournalEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        // Checked here, so a bad entry is its caller's exception rather than a failed commit for every scan sharing it.
        if (entry.GateId is null || entry.Nonce is null)
        {
            throw new ArgumentException("A journal entry needs a gate id and a nonce.", nameof(entry));
        }

        var completion = new TaskCompletionSource<JournalEntry>();
        _writer.Enqueue(new Pending(entry, completion));
        return completion.Task;
    }

    private void CommitQueued(List<Pending> batch)
    {
        for (var start = 0; start < batch.Count; start += MaxBatch)
        {
            Commit(batch, start, Math.Min(MaxBatch, batch.Count - start), _statements);
        }
    }

    private void Commit(List<Pending> batch, int start, int count, CheckInStatements sql)
    {
        var stored = new Completed[count];
        var sequence = _committed.Value;
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
            _writer.Failed(failure, count);
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

        _committed.Advance(sequence);
        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _appended, count);
        _writer.Committed();

        // Waiters resume inline on a few pool threads, one hop per slice rather than one per entry:
        // on a 2-core edge the per-entry thread wake-ups cost more than the entries themselves.
        for (var slice = 0; slice < count; slice += CompletionSlice)
        {
            ThreadPool.UnsafeQueueUserWorkItem(new CompletionWork(stored, slice, Math.Min(count, slice + CompletionSlice)), preferLocal: false);
        }
    }

    /// <summary>WAL rewinds the writer has brought about (see <see cref="JournalOptions.RestartWalAfterFrames"/>).</summary>
    public long WalRestarts => _writer.WalRestarts;

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

    /// <summary>Reads entries in sequence order, from <paramref name="afterSequence"/> on. Uses its own connection.</summary>
    public static IEnumerable<JournalEntry> ReadAll(string path, long afterSequence = 0)
    {
        using var connection = JournalFile.OpenReadOnly(path);
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT seq, hlc, at_us, scanned_at_us, gate, attendee, direction, reason, nonce, ticket_type
            FROM journal WHERE seq > $after ORDER BY seq
            """;
        command.Parameters.AddWithValue("$after", afterSequence);
        using var reader = JournalFile.Reading("Journal", path, command.ExecuteReader);
        while (JournalFile.Reading("Journal", path, reader.Read))
        {
            yield return new JournalEntry(
                reader.GetString(4),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                (ScanDirection)reader.GetInt32(6),
                (ScanReason)reader.GetInt32(7),
                reader.GetString(8),
                RawStatements.FromMicros(reader.GetInt64(3)),
                RawStatements.FromMicros(reader.GetInt64(2)))
            {
                Sequence = reader.GetInt64(0),
                Hlc = reader.GetInt64(1),
                TicketType = reader.IsDBNull(9) ? null : reader.GetString(9),
            };
        }
    }

    public IEnumerable<JournalEntry> ReadAll(long afterSequence = 0) => ReadAll(Path, afterSequence);

    /// <summary>
    /// Times are stored as whole microseconds in UTC; the entry an append hands back carries them so,
    /// and equals what <see cref="ReadAll(string, long)"/> reads after a restart (a retried nonce gets the same answer).
    /// </summary>
    private static DateTimeOffset AsStored(DateTimeOffset time) => RawStatements.AsStored(time);

    /// <summary>Commits what is queued, then stops the writer and closes the database.</summary>
    public void Dispose()
    {
        if (!_writer.Stop())
        {
            return;
        }

        _committed.Close(nameof(SqliteCheckInJournal));
        _statements.Dispose();
        _connection.Dispose();
    }
}
