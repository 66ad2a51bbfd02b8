using SQLitePCL;
using Venue.Domain.Journal;

namespace Venue.Storage.Sqlite;

/// <summary>The check-in journal's insert, prepared once for its writer thread.</summary>
internal sealed class CheckInStatements : RawStatements
{
    private readonly sqlite3_stmt _insert;

    public CheckInStatements(sqlite3 db)
        : base(db, "journal_meta")
    {
        _insert = Prepare("""
            INSERT INTO journal(seq, hlc, at_us, scanned_at_us, gate, attendee, direction, reason, nonce, ticket_type)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
            """);
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
}
