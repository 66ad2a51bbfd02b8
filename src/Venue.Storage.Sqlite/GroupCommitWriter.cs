using Microsoft.Data.Sqlite;

namespace Venue.Storage.Sqlite;

/// <summary>
/// A journal's writer thread and its WAL checkpointer. Appends queue up; the writer takes
/// everything queued since its last round and hands it to the journal's commit, which writes it in
/// one transaction (group commit): at high load one disk sync covers hundreds of appends, at low
/// load an append waits for just its own commit. A second thread checkpoints the WAL into the
/// database so the WAL stays bounded.
/// </summary>
/// <typeparam name="T">One queued append, as the journal's commit understands it.</typeparam>
internal sealed class GroupCommitWriter<T> : IDisposable
{
    private readonly string _path;
    private readonly RawStatements _statements;
    private readonly JournalOptions _options;
    private readonly Action<List<T>> _commit;
    private readonly object _owner;
    private readonly Thread _writer;
    private readonly Thread _checkpointer;
    private readonly object _gate = new();
    private readonly AutoResetEvent _checkpointDue = new(false);
    private List<T> _queue = [];
    private List<T> _spare = [];
    private volatile bool _stopping;
    private long _commitsSinceCheckpoint;
    private int _restartWanted;
    private long _walRestarts;
    private readonly TimeProvider _time;
    private JournalFailure? _failure;

    /// <param name="commit">
    /// Writes and commits what was queued, in queue order, and completes (or fails) each append; runs
    /// on the writer thread, calls <see cref="Committed"/> after each disk commit, and must not throw.
    /// </param>
    public GroupCommitWriter(string name, string path, RawStatements statements, JournalOptions options, TimeProvider time, object owner, Action<List<T>> commit)
    {
        _path = path;
        _time = time;
        _statements = statements;
        _options = options;
        _owner = owner;
        _commit = commit;
        _writer = new Thread(WriteLoop) { IsBackground = true, Name = $"{name}-writer" };
        _checkpointer = new Thread(CheckpointLoop) { IsBackground = true, Name = $"{name}-checkpoint" };
    }

    public bool Stopping => _stopping;

    /// <summary>WAL rewinds the writer has brought about (see <see cref="JournalOptions.RestartWalAfterFrames"/>).</summary>
    public long WalRestarts => Interlocked.Read(ref _walRestarts);

    public void Start()
    {
        _writer.Start();
        _checkpointer.Start();
    }

    /// <summary>Queues an append for the writer's next round; refused once the journal is disposed.</summary>
    public void Enqueue(T append)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_stopping, _owner);
            _queue.Add(append);
            if (_queue.Count == 1)
            {
                Monitor.Pulse(_gate);
            }
        }
    }

    /// <summary>Why commits fail, since when; null while they succeed.</summary>
    public JournalFailure? Failure => Volatile.Read(ref _failure);

    /// <summary>Notes a failed commit of <paramref name="appends"/> appends. Writer thread only.</summary>
    public void Failed(Exception error, int appends)
    {
        var before = _failure;
        var now = before is null
            ? new JournalFailure(_path, error.Message, _time.GetUtcNow(), appends)
            : before with { Reason = error.Message, RefusedAppends = before.RefusedAppends + appends };
        Volatile.Write(ref _failure, now);
        if (before is null)
        {
            Tell(_options.Failing, now);
        }
    }

    /// <summary>Counts a disk commit towards the next checkpoint, and ends a run of failures. Writer thread only.</summary>
    public void Committed()
    {
        if (_failure is { } ended)
        {
            Volatile.Write(ref _failure, null);
            Tell(_options.Recovered, ended);
        }

        if (Interlocked.Increment(ref _commitsSinceCheckpoint) == _options.CheckpointEveryCommits)
        {
            _checkpointDue.Set();
        }
    }

    private static void Tell(Action<JournalFailure>? listener, JournalFailure failure)
    {
        try
        {
            listener?.Invoke(failure);
        }
        catch (Exception)
        {
            // A listener's failure (a broken log sink) must not stop the writer: scans wait on it.
        }
    }

    private void WriteLoop()
    {
        while (true)
        {
            List<T>? batch = null;
            lock (_gate)
            {
                var probeDue = false;
                while (_queue.Count == 0 && !_stopping && !probeDue)
                {
                    // Failing and idle: wake up to try a write of its own, or nothing would end the failure.
                    probeDue = _failure is null ? !Monitor.Wait(_gate) : !Monitor.Wait(_gate, _options.ProbeInterval);
                }

                if (_queue.Count > 0)
                {
                    batch = _queue;
                    _queue = _spare;
                    _spare = batch;
                }
                else if (_stopping)
                {
                    return;
                }
            }

            if (batch is null)
            {
                Probe();
                continue;
            }

            _commit(batch);
            batch.Clear();
            if (Interlocked.Exchange(ref _restartWanted, 0) == 1)
            {
                FinishCheckpoint();
            }
        }
    }

    /// <summary>Writer thread, while commits fail: a successful probe ends the failure as a commit does.</summary>
    private void Probe()
    {
        try
        {
            _statements.Probe();
        }
        catch (Exception error)
        {
            // Still failing: the failure stands, with its latest reason and when it was tried.
            if (_failure is { } failure)
            {
                Volatile.Write(ref _failure, failure with { Reason = error.Message, LastProbeAt = _time.GetUtcNow() });
            }

            return;
        }

        Committed();
    }

    private void FinishCheckpoint()
    {
        try
        {
            if (_statements.Checkpoint())
            {
                Interlocked.Increment(ref _walRestarts);
            }
        }
        catch (InvalidOperationException)
        {
            // A reader holding an old snapshot can stop the copy; the checkpointer asks again later.
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
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    /// <summary>
    /// Refuses new appends, lets the writer commit what is queued, then stops both threads. False
    /// when an earlier call did it already.
    /// </summary>
    public bool Stop()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return false;
            }

            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        if (_writer.IsAlive)
        {
            _writer.Join();
        }

        _checkpointDue.Set();
        if (_checkpointer.IsAlive)
        {
            _checkpointer.Join();
        }

        _checkpointDue.Dispose();
        return true;
    }

    public void Dispose() => Stop();
}
