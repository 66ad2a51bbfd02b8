using SQLitePCL;
using Venue.Domain.Journal;

namespace Venue.Storage.Sqlite;

/// <summary>
/// The journal writer's prepared statements on the raw SQLite API: binding and stepping a prepared
/// insert costs about a microsecond, a fraction of what the ADO.NET layer adds per command.
/// </summary>
internal sealed class RawStatements : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _begin;
    private readonly sqlite3_stmt _commit;
    private readonly sqlite3_stmt _rollback;
    private readonly sqlite3_stmt _insert;
    private readonly sqlite3_stmt _checkpoint;

    public RawStatements(sqlite3 db)
    {
        _db = db;
        _begin = Prepare("BEGIN IMMEDIATE");
        _commit = Prepare("COMMIT");
        _rollback = Prepare("ROLLBACK");
        _checkpoint = Prepare("PRAGMA wal_checkpoint(PASSIVE)");
        _insert = Prepare("""
            INSERT INTO journal(seq, hlc, at_us, scanned_at_us, gate, attendee, direction, reason, nonce, ticket_type)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """);
    }

    public void Begin() => Step(_begin);

    public void Commit() => Step(_commit);

    public void Rollback()
    {
        // After a failed COMMIT SQLite may already have rolled back; a failing ROLLBACK then is fine.
        raw.sqlite3_step(_rollback);
        raw.sqlite3_reset(_rollback);
    }

    public void Insert(JournalEntry e)
    {
        Check(raw.sqlite3_bind_int64(_insert, 1, e.Sequence));
        Check(raw.sqlite3_bind_int64(_insert, 2, e.Hlc));
        Check(raw.sqlite3_bind_int64(_insert, 3, Micros(e.At)));
        Check(raw.sqlite3_bind_int64(_insert, 4, Micros(e.ScannedAt)));
        Check(raw.sqlite3_bind_text(_insert, 5, e.GateId));
        Check(e.AttendeeId is null ? raw.sqlite3_bind_null(_insert, 6) : raw.sqlite3_bind_text(_insert, 6, e.AttendeeId));
        Check(raw.sqlite3_bind_int(_insert, 7, (int)e.Direction));
        Check(raw.sqlite3_bind_int(_insert, 8, (int)e.Reason));
        Check(raw.sqlite3_bind_text(_insert, 9, e.Nonce));
        Check(e.TicketType is null ? raw.sqlite3_bind_null(_insert, 10) : raw.sqlite3_bind_text(_insert, 10, e.TicketType));
        Step(_insert);
    }

    /// <summary>Copies the WAL into the database; true when every frame was copied (the next commit rewinds the WAL).</summary>
    public bool Checkpoint()
    {
        try
        {
            var rc = raw.sqlite3_step(_checkpoint);
            if (rc != raw.SQLITE_ROW)
            {
                throw new InvalidOperationException($"SQLite error {rc}: {raw.sqlite3_errmsg(_db).utf8_to_string()}");
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

    private sqlite3_stmt Prepare(string sql)
    {
        Check(raw.sqlite3_prepare_v2(_db, sql, out var statement));
        return statement;
    }

    private void Step(sqlite3_stmt statement)
    {
        var rc = raw.sqlite3_step(statement);
        raw.sqlite3_reset(statement);
        if (rc != raw.SQLITE_DONE)
        {
            throw new InvalidOperationException($"SQLite error {rc}: {raw.sqlite3_errmsg(_db).utf8_to_string()}");
        }
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new InvalidOperationException($"SQLite error {rc}: {raw.sqlite3_errmsg(_db).utf8_to_string()}");
        }
    }

    public void Dispose()
    {
        _begin.Dispose();
        _commit.Dispose();
        _rollback.Dispose();
        _insert.Dispose();
        _checkpoint.Dispose();
    }
}
