using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace Venue.LoadHarness.Targets.Sqlite;

/// <summary>
/// The scanner-local approach: a SQLite file (WAL, synchronous=FULL) with the attendees and a scan
/// journal. <c>sqlite</c> runs one transaction per check (BEGIN IMMEDIATE; SELECT status; UPDATE;
/// INSERT journal row; COMMIT), as a scanner-local app does; <c>sqlite-group</c> gives SQLite the
/// group commit Venue's journal has: the writer takes every check queued since its last commit
/// (at most 1,024) into one transaction, the same statements per check, and answers them all after
/// that commit, so no answer comes before its scan is on disk.
/// </summary>
/// <remarks>
/// SQLite admits one writer at a time and every check writes, so the fastest correct arrangement is
/// one connection owned by one thread that runs the checks back to back: several connections would
/// only take turns on the same write lock through busy-timeout sleeps. Microsoft.Data.Sqlite is
/// synchronous underneath, and the dedicated thread also keeps its calls off the harness' threads.
/// </remarks>
internal sealed class SqliteCheckInTarget(bool groupCommit) : ICheckInTarget
{
    private const int MaxGroup = 1024;
    private readonly BlockingCollection<Job> _jobs = new(new ConcurrentQueue<Job>());
    private readonly List<string> _facts = [];
    private Thread? _writer;
    private SqliteConnection _connection = null!;
    private SqliteCommand _begin = null!;
    private SqliteCommand _select = null!;
    private SqliteCommand _update = null!;
    private SqliteCommand _insert = null!;
    private SqliteCommand _commit = null!;
    private string[] _ids = [];
    private long _commits;
    private long _checks;

    public string Name => groupCommit ? "sqlite-group" : "sqlite";

    public string Description => groupCommit
        ? "Microsoft.Data.Sqlite, WAL, synchronous=FULL; group commit: the checks queued since the last commit (at most 1,024) in one BEGIN IMMEDIATE ... COMMIT, per check SELECT, UPDATE, INSERT journal; answered after the commit; one connection on one writer thread"
        : "Microsoft.Data.Sqlite, WAL, synchronous=FULL; per check BEGIN IMMEDIATE, SELECT, UPDATE, INSERT journal, COMMIT; one connection on one writer thread";

    public IReadOnlyList<string> Facts => _facts;

    public Task StartAsync(TargetSetup setup, CancellationToken cancellationToken)
    {
        _ids = Enumerable.Range(0, setup.Ledger.Count).Select(i => setup.Ledger[i]).ToArray();
        _writer = new Thread(RunWriter) { IsBackground = true, Name = "sqlite writer" };
        _writer.Start();
        return RunOnWriterAsync(() =>
        {
            var path = Path.Combine(setup.WorkDirectory, "checkin.db");
            _connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            _connection.Open();
            Execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
            Execute("""
                CREATE TABLE attendee (id TEXT PRIMARY KEY, status INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
                CREATE TABLE scan_journal (
                  seq INTEGER PRIMARY KEY,
                  attendee_id TEXT NOT NULL,
                  gate INTEGER NOT NULL,
                  result TEXT NOT NULL,
                  scanned_at INTEGER NOT NULL);
                """);
            using (var load = _connection.BeginTransaction())
            {
                using var insert = _connection.CreateCommand();
                insert.Transaction = load;
                insert.CommandText = "INSERT INTO attendee (id) VALUES ($id)";
                var id = insert.Parameters.Add("$id", SqliteType.Text);
                foreach (var attendee in _ids)
                {
                    id.Value = attendee;
                    insert.ExecuteNonQuery();
                }

                load.Commit();
            }

            _begin = Prepare("BEGIN IMMEDIATE");
            _select = Prepare("SELECT status FROM attendee WHERE id = $id", ("$id", SqliteType.Text));
            _update = Prepare("UPDATE attendee SET status = 1 WHERE id = $id", ("$id", SqliteType.Text));
            _insert = Prepare(
                "INSERT INTO scan_journal (attendee_id, gate, result, scanned_at) VALUES ($id, $gate, $result, $at)",
                ("$id", SqliteType.Text), ("$gate", SqliteType.Integer), ("$result", SqliteType.Text), ("$at", SqliteType.Integer));
            _commit = Prepare("COMMIT");
            _facts.Add($"sqlite {Scalar("SELECT sqlite_version()")}");
            _facts.Add($"journal_mode={Scalar("PRAGMA journal_mode")}");
            _facts.Add($"synchronous={Scalar("PRAGMA synchronous")} (2 = FULL)");
            Execute("PRAGMA wal_checkpoint(RESTART)");
            return true;
        }, cancellationToken);
    }

    public Task<bool> CheckInAsync(int attendeeIndex, int gate, CancellationToken cancellationToken)
    {
        var job = new CheckJob(_ids[attendeeIndex], gate, cancellationToken);
        _jobs.Add(job, CancellationToken.None);
        return job.Task;
    }

    /// <summary>Runs on the writer thread: checks in one durable transaction (one check without group commit).</summary>
    private void Commit(List<CheckJob> group)
    {
        _begin.ExecuteNonQuery();
        try
        {
            foreach (var job in group)
            {
                job.Admitted = Decide(job.Attendee, job.Gate);
            }

            _commit.ExecuteNonQuery();
        }
        catch
        {
            // A failed statement may or may not have ended the transaction; ask SQLite.
            if (SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0)
            {
                Execute("ROLLBACK");
            }

            throw;
        }

        Interlocked.Increment(ref _commits);
        Interlocked.Add(ref _checks, group.Count);
    }

    /// <summary>Inside the writer's transaction: look the attendee up, mark them inside when they were not, journal the scan.</summary>
    private bool Decide(string attendee, int gate)
    {
        _select.Parameters[0].Value = attendee;
        var status = _select.ExecuteScalar();
        string result;
        if (status is null)
        {
            result = "unknown_ticket";
        }
        else if ((long)status == 1)
        {
            result = "already_inside";
        }
        else
        {
            _update.Parameters[0].Value = attendee;
            _update.ExecuteNonQuery();
            result = "admitted";
        }

        _insert.Parameters[0].Value = attendee;
        _insert.Parameters[1].Value = gate;
        _insert.Parameters[2].Value = result;
        _insert.Parameters[3].Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        _insert.ExecuteNonQuery();
        return result == "admitted";
    }

    public Task ResetAsync(CancellationToken cancellationToken) => RunOnWriterAsync(() =>
    {
        // The warm-up ends with a reset, not a tally: without this its commits counted in the first phase's.
        Interlocked.Exchange(ref _commits, 0);
        Interlocked.Exchange(ref _checks, 0);
        Execute("UPDATE attendee SET status = 0 WHERE status <> 0; DELETE FROM scan_journal;");
        // RESTART, not TRUNCATE: the next phase reuses the WAL file's blocks instead of growing it again.
        Execute("PRAGMA wal_checkpoint(RESTART)");
        return true;
    }, cancellationToken);

    public Task<TargetTally> TallyAsync(string phase, CancellationToken cancellationToken) => RunOnWriterAsync(() =>
    {
        var (commits, checks) = (Interlocked.Exchange(ref _commits, 0), Interlocked.Exchange(ref _checks, 0));
        if (groupCommit && commits > 0)
        {
            _facts.Add($"{phase}: {checks:N0} checks in {commits:N0} commits ({(double)checks / commits:N1} per commit)");
        }

        return new TargetTally(
            (long)Scalar("SELECT count(*) FROM attendee WHERE status = 1")!,
            (long)Scalar("SELECT count(*) FROM scan_journal")!);
    }, cancellationToken);

    private void RunWriter()
    {
        var group = new List<CheckJob>();
        foreach (var job in _jobs.GetConsumingEnumerable())
        {
            if (job is Work work)
            {
                work.Run();
                continue;
            }

            Work? after = null;
            group.Add((CheckJob)job);
            while (groupCommit && group.Count < MaxGroup && _jobs.TryTake(out var next))
            {
                if (next is CheckJob check)
                {
                    group.Add(check);
                }
                else
                {
                    after = (Work)next; // not a check: runs once the group is committed
                    break;
                }
            }

            RunGroup(group);
            group.Clear();
            after?.Run();
        }
    }

    private void RunGroup(List<CheckJob> group)
    {
        group.RemoveAll(job => job.CancelIfRequested());
        if (group.Count == 0)
        {
            return;
        }

        try
        {
            Commit(group);
        }
        catch (Exception e)
        {
            group.ForEach(job => job.Fail(e));
            return;
        }

        group.ForEach(job => job.Answer());
    }

    private Task<T> RunOnWriterAsync<T>(Func<T> work, CancellationToken cancellationToken)
    {
        var job = new WorkJob<T>(work, cancellationToken);
        _jobs.Add(job, CancellationToken.None);
        return job.Task;
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private object? Scalar(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private SqliteCommand Prepare(string sql, params (string Name, SqliteType Type)[] parameters)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, type) in parameters)
        {
            command.Parameters.Add(name, type);
        }

        command.Prepare();
        return command;
    }

    public async ValueTask DisposeAsync()
    {
        if (_writer is not null)
        {
            await RunOnWriterAsync(() =>
            {
                foreach (var command in new[] { _begin, _select, _update, _insert, _commit })
                {
                    command?.Dispose();
                }

                _connection?.Dispose();
                return true;
            }, CancellationToken.None);
            _jobs.CompleteAdding();
            _writer.Join();
        }

        _jobs.Dispose();
    }

    /// <summary>What the writer thread takes from its queue: a check (run in groups) or other work.</summary>
    private abstract class Job
    {
    }

    /// <summary>Work other than a check (set-up, reset, read-back), run on its own.</summary>
    private abstract class Work : Job
    {
        public abstract void Run();
    }

    private sealed class CheckJob(string attendee, int gate, CancellationToken cancellationToken) : Job
    {
        // Completions run on the thread pool, never on the writer thread.
        private readonly TaskCompletionSource<bool> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<bool> Task => _done.Task;

        public string Attendee => attendee;

        public int Gate => gate;

        /// <summary>Decided in the writer's transaction; answered only after its commit.</summary>
        public bool Admitted { get; set; }

        public bool CancelIfRequested() => cancellationToken.IsCancellationRequested && _done.TrySetCanceled(cancellationToken);

        public void Answer() => _done.TrySetResult(Admitted);

        public void Fail(Exception e) => _done.TrySetException(e);
    }

    private sealed class WorkJob<T>(Func<T> work, CancellationToken cancellationToken) : Work
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<T> Task => _done.Task;

        public override void Run()
        {
            if (cancellationToken.IsCancellationRequested)
            {
                _done.TrySetCanceled(cancellationToken);
                return;
            }

            try
            {
                _done.TrySetResult(work());
            }
            catch (Exception e)
            {
                _done.TrySetException(e);
            }
        }
    }
}
