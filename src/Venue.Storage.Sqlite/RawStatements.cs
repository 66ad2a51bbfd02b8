using SQLitePCL;

namespace Venue.Storage.Sqlite;

/// <summary>
/// A journal writer's prepared statements on the raw SQLite API: binding and stepping a prepared
/// insert costs about a microsecond, a fraction of what the ADO.NET layer adds per command. This
/// part holds what every journal's writer needs (the transaction and the WAL checkpoint); each
/// journal adds its own inserts.
/// </summary>
internal abstract class RawStatements : IDisposable
{
    private readonly List<sqlite3_stmt> _prepared = [];
    private readonly sqlite3_stmt _begin;
    private readonly sqlite3_stmt _commit;
    private readonly sqlite3_stmt _rollback;
    private readonly sqlite3_stmt _checkpoint;
    private readonly sqlite3_stmt _probe;

    /// <param name="metaTable">The journal's meta table, whose schema row <see cref="Probe"/> rewrites.</param>
    protected RawStatements(sqlite3 db, string metaTable)
    {
        Db = db;
        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _rollback = Prepare("ROLLBACK");
        _checkpoint = Prepare("PRAGMA wal_checkpoint(PASSIVE)");
        _probe = Prepare($"UPDATE {metaTable} SET value = value WHERE key = 'schema'");
    }

    protected sqlite3 Db { get; }

    public void Begin() => Step(_begin);

    public void Commit() => Step(_commit);

    public void Rollback()
    {
        // After a failed COMMIT SQLite may already have rolled back; a failing ROLLBACK then is fine.
        raw.sqlite3_step(_rollback);
        raw.sqlite3_reset(_rollback);
    }

    /// <summary>
    /// Commits a write that changes nothing (the schema row, rewritten as it is): SQLite still appends
    /// the page to the WAL and syncs it, so it succeeds only when the journal could commit a scan.
    /// </summary>
    public void Probe()
    {
        Begin();
        try
        {
            Step(_probe);
            Commit();
        }
        catch
        {
            Rollback();
            throw;
        }
    }

    /// <summary>Copies the WAL into the database; true when every frame was copied (the next commit rewinds the WAL).</summary>
    public bool Checkpoint()
    {
        try
        {
            var rc = raw.sqlite3_step(_checkpoint);
            if (rc != raw.SQLITE_ROW)
            {
                throw Failure(rc);
            }

            // Columns: busy, frames in the WAL, frames copied.
            return raw.sqlite3_column_int(_checkpoint, 0) == 0 && raw.sqlite3_column_int(_checkpoint, 1) == raw.sqlite3_column_int(_checkpoint, 2);
        }
        finally
        {
            raw.sqlite3_reset(_checkpoint);
        }
    }

    public static long Micros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromMicros(long us) => new(DateTimeOffset.UnixEpoch.UtcTicks + (us * 10), TimeSpan.Zero);

    /// <summary>The instant as stored: whole microseconds, in UTC.</summary>
    public static DateTimeOffset AsStored(DateTimeOffset time) => FromMicros(Micros(time));

    protected sqlite3_stmt Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(Db, sql, out var statement));
        _prepared.Add(statement);
        return statement;
    }

    protected void Step(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE)
        {
            throw Failure(rc);
        }
    }

    protected void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw Failure(rc);
        }
    }

    protected InvalidOperationException Failure(int rc) => new($"SQLite error {rc}: {raw.sqlite3_errmsg(Db).utf8_to_string()}");

    public void Dispose()
    {
        foreach (var statement in _prepared)
        {
            statement.Dispose();
        }
    }
}
