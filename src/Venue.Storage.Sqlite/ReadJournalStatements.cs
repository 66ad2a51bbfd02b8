using System.Text;
using SQLitePCL;
using Venue.Domain.Readers;

namespace Venue.Storage.Sqlite;

/// <summary>
/// The read journal's inserts, prepared once for its writer thread. Text is encoded into one reused
/// buffer rather than a new array per value, and the reader id (the same for a whole batch, mostly)
/// is bound only when it changes: a binding outlives the statement's reset.
/// </summary>
internal sealed class ReadJournalStatements : RawStatements
{
    private readonly sqlite3_stmt _insertRead;
    private readonly sqlite3_stmt _insertFact;
    private readonly sqlite3_stmt _findFact;
    private byte[] _utf8 = new byte[256];
    private string? _boundReader;

    public ReadJournalStatements(sqlite3 db)
        : base(db, "meta")
    {
        // Not INSERT OR IGNORE: that would also swallow a NOT NULL or CHECK failure as a "duplicate".
        _insertRead = Prepare("""
            INSERT INTO reads(seq, reader, event_num, epc, antenna, rssi, read_at_us, received_at_us)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
            ON CONFLICT(reader, event_num, read_at_us) DO NOTHING
            """);
        _insertFact = Prepare("""
            INSERT INTO facts(seq, kind, subject, attendee, nonce, at_us, payload)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
            ON CONFLICT(kind, subject, nonce) DO NOTHING
            """);
        _findFact = Prepare("SELECT seq, attendee, at_us, payload FROM facts WHERE kind = ?1 AND subject = ?2 AND nonce = ?3");
    }

    /// <summary>Inserts the read as <paramref name="sequence"/>; false when (reader, event number, read time) is already held.</summary>
    public bool InsertRead(long sequence, TagRead read, long receivedAtUs)
    {
        var s = _insertRead;
        Check(raw.sqlite3_bind_int64(s, 1, sequence));
        if (!ReferenceEquals(read.ReaderId, _boundReader))
        {
            // Forget the old one first: should the bind fail, the next read must not skip its own.
            _boundReader = null;
            BindText(s, 2, read.ReaderId);
            _boundReader = read.ReaderId;
        }

        Check(raw.sqlite3_bind_int64(s, 3, read.EventNum));
        BindText(s, 4, read.Epc);
        Check(raw.sqlite3_bind_int(s, 5, read.Antenna));
        Check(raw.sqlite3_bind_double(s, 6, read.PeakRssi));
        Check(raw.sqlite3_bind_int64(s, 7, Micros(read.ReadAt)));
        Check(raw.sqlite3_bind_int64(s, 8, receivedAtUs));
        Step(s);
        return raw.sqlite3_changes(Db) == 1;
    }

    /// <summary>Inserts the fact as <paramref name="sequence"/>; false when (kind, subject, nonce) is already held.</summary>
    public bool InsertFact(long sequence, TelemetryFact fact)
    {
        var s = _insertFact;
        Check(raw.sqlite3_bind_int64(s, 1, sequence));
        Check(raw.sqlite3_bind_int(s, 2, (int)fact.Kind));
        BindText(s, 3, fact.Subject);
        BindText(s, 4, fact.AttendeeId);
        BindText(s, 5, fact.Nonce);
        Check(raw.sqlite3_bind_int64(s, 6, Micros(fact.At)));
        BindText(s, 7, fact.Payload);
        Step(s);
        return raw.sqlite3_changes(Db) == 1;
    }

    /// <summary>The fact held for (kind, subject, nonce), as stored.</summary>
    public TelemetryFact FindFact(TelemetryFactKind kind, string subject, string nonce)
    {
        var s = _findFact;
        try
        {
            Check(raw.sqlite3_bind_int(s, 1, (int)kind));
            BindText(s, 2, subject);
            BindText(s, 3, nonce);
            var rc = raw.sqlite3_step(s);
            if (rc != raw.SQLITE_ROW)
            {
                throw rc == raw.SQLITE_DONE ? new InvalidOperationException($"The fact {kind}/{subject}/{nonce} is not in the journal.") : Failure(rc);
            }

            return new TelemetryFact(kind, subject, raw.sqlite3_column_text(s, 1).utf8_to_string(), nonce,
                FromMicros(raw.sqlite3_column_int64(s, 2)), raw.sqlite3_column_text(s, 3).utf8_to_string())
            {
                Sequence = raw.sqlite3_column_int64(s, 0),
            };
        }
        finally
        {
            raw.sqlite3_reset(s);
        }
    }

    private void BindText(sqlite3_stmt statement, int index, string value)
    {
        if (value.Length == 0)
        {
            // An empty span reaches SQLite as a null pointer, which binds NULL rather than ''.
            Check(raw.sqlite3_bind_text(statement, index, string.Empty));
            return;
        }

        var length = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (length > _utf8.Length)
        {
            _utf8 = new byte[Math.Max(length, _utf8.Length * 2)];
        }

        var written = Encoding.UTF8.GetBytes(value, _utf8);
        // SQLitePCLRaw binds a span as SQLITE_TRANSIENT: SQLite copies it, so the buffer is free again at once.
        Check(raw.sqlite3_bind_text(statement, index, _utf8.AsSpan(0, written)));
    }
}
