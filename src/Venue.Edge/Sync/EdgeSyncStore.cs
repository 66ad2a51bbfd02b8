using System.Globalization;
using Microsoft.Data.Sqlite;
using Venue.Domain.Attendees;
using Venue.Domain.CheckIn;

namespace Venue.Edge.Sync;

/// <summary>
/// What the edge keeps of its sync with central, in <c>{DataDirectory}/sync.db</c>: the ledger
/// changes applied since the snapshot in ledger.jsonl (so a restart rebuilds the ledger as snapshot
/// plus changes), the ledger version and passage cursor to ask central from, and the passages made
/// at other edges (so who is inside survives a restart with no link). SQLite, WAL,
/// <c>synchronous=FULL</c>: a page is stored whole or not at all.
/// </summary>
/// <remarks>
/// Change rows carry the ledger version of the page they came in. On start, rows above the
/// snapshot's own version are applied in order; rows at or below it are already in the snapshot.
/// That rule makes every crash point safe: a snapshot renamed into place but not yet recorded here,
/// or a compaction whose rows were not yet deleted, only means rows that are skipped.
/// </remarks>
internal sealed class EdgeSyncStore : IDisposable
{
    private const int SchemaVersion = 1;

    private readonly SqliteConnection _connection;
    private readonly object _gate = new();
    private int _changeRows;

    private EdgeSyncStore(SqliteConnection connection) => _connection = connection;

    public string Path { get; private init; } = "";

    /// <summary>Ledger change rows (attendees and revoked tokens) stored since the last compaction.</summary>
    public int ChangeRows
    {
        get { lock (_gate) { return _changeRows; } }
    }

    /// <summary>The edge id this store was kept for until now, when it differs from the one it was opened for; else null.</summary>
    public string? PreviousEdgeId { get; private init; }

    /// <summary>
    /// Opens (or makes) the store for edge <paramref name="edgeId"/>. A store kept under another id
    /// (the data directory of an edge given an id of its own, e.g. a spare that took a dead edge's
    /// id and got its own) asks for passages from the start again: those of its old id were never
    /// sent to it, being its own then, and are another edge's now. Applying again what it holds
    /// changes nothing.
    /// </summary>
    public static EdgeSyncStore Open(string path, string edgeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(edgeId);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            // Read before anything is written: a file of a newer build is refused as it was found.
            Execute(connection, "PRAGMA busy_timeout=5000;");
            if (Scalar(connection, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sync_meta'") == 1
                && Scalar(connection, "SELECT coalesce((SELECT value FROM sync_meta WHERE key = 'schema'), 0)") is var found and > SchemaVersion)
            {
                throw new InvalidDataException($"{path} has schema version {found}; this build reads version {SchemaVersion}.");
            }

            Execute(connection, """
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                PRAGMA busy_timeout=5000;
                CREATE TABLE IF NOT EXISTS sync_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS ledger_change(
                    id INTEGER PRIMARY KEY,
                    version INTEGER NOT NULL,
                    attendee TEXT,
                    revoked_token TEXT);
                CREATE TABLE IF NOT EXISTS remote_passage(
                    edge TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    attendee TEXT NOT NULL,
                    gate TEXT NOT NULL,
                    reason INTEGER NOT NULL,
                    hlc INTEGER NOT NULL,
                    at_us INTEGER NOT NULL,
                    applied INTEGER NOT NULL,
                    PRIMARY KEY(edge, seq)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS sync_edge(one INTEGER PRIMARY KEY CHECK (one = 1), edge_id TEXT NOT NULL);
                CREATE TABLE IF NOT EXISTS sync_marks(kind TEXT PRIMARY KEY, value TEXT NOT NULL, position INTEGER NOT NULL);
                INSERT OR IGNORE INTO sync_meta(key, value) VALUES ('schema', 1);
                """);
            var schema = Scalar(connection, "SELECT value FROM sync_meta WHERE key = 'schema'");
            if (schema != SchemaVersion)
            {
                throw new InvalidDataException($"{path} has schema version {schema}; this build reads version {SchemaVersion}.");
            }

            string? previous;
            using (var transaction = connection.BeginTransaction())
            {
                using var read = connection.CreateCommand();
                read.Transaction = transaction;
                read.CommandText = "SELECT edge_id FROM sync_edge";
                previous = read.ExecuteScalar() as string;
                using var write = connection.CreateCommand();
                write.Transaction = transaction;
                write.CommandText = """
                    INSERT INTO sync_edge(one, edge_id) VALUES (1, $edge) ON CONFLICT(one) DO UPDATE SET edge_id = excluded.edge_id;
                    UPDATE sync_meta SET value = 0 WHERE key = 'passages_cursor' AND $changed;
                    DELETE FROM sync_marks WHERE kind = 'passages' AND $changed;
                    """;
                write.Parameters.AddWithValue("$edge", edgeId);
                write.Parameters.AddWithValue("$changed", previous is not null && previous != edgeId);
                write.ExecuteNonQuery();
                transaction.Commit();
            }

            return new EdgeSyncStore(connection)
            {
                PreviousEdgeId = previous is not null && previous != edgeId ? previous : null,
                Path = path,
                _changeRows = (int)Scalar(connection, "SELECT count(*) FROM ledger_change"),
            };
        }
        catch (SqliteException e)
        {
            // "file is not a database", "database is locked": said with the file's name.
            connection.Dispose();
            throw new InvalidDataException($"{path} could not be opened: {e.Message}", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Where to ask central from; zeros when nothing was ever stored.</summary>
    public SyncCursor ReadCursor()
    {
        lock (_gate)
        {
            return new SyncCursor(Meta("ledger_version"), Meta("passages_cursor"));
        }
    }

    /// <summary>
    /// The marks central sent with a version and a cursor (<see cref="ChangesAnswer"/>), each with the
    /// position it was sent with: a mark may be shown only with that position.
    /// </summary>
    public StoredMarks ReadMarks()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT kind, value, position FROM sync_marks";
            using var reader = command.ExecuteReader();
            var marks = new StoredMarks(null, 0, null, 0);
            while (reader.Read())
            {
                marks = reader.GetString(0) switch
                {
                    "ledger" => marks with { LedgerAt = reader.GetString(1), LedgerVersion = reader.GetInt64(2) },
                    "passages" => marks with { PassagesAt = reader.GetString(1), PassagesCursor = reader.GetInt64(2) },
                    _ => marks,
                };
            }

            return marks;
        }
    }

    /// <summary>Change rows above <paramref name="afterVersion"/>, in the order they were applied.</summary>
    public IReadOnlyList<StoredLedgerChange> ReadChanges(long afterVersion)
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT version, attendee, revoked_token FROM ledger_change WHERE version > $after ORDER BY id";
            command.Parameters.AddWithValue("$after", afterVersion);
            using var reader = command.ExecuteReader();
            var changes = new List<StoredLedgerChange>();
            while (reader.Read())
            {
                changes.Add(new StoredLedgerChange(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }

            return changes;
        }
    }

    /// <summary>
    /// The remote passages that changed attendees before the last stop (applied, or older admissions
    /// noted), oldest first by HLC, with what each did. The <c>applied</c> column holds the
    /// <see cref="RemoteOutcome"/> (0 and 1 before noted admissions were stored as 2).
    /// </summary>
    public IReadOnlyList<(RemotePassage Passage, RemoteOutcome Outcome)> ReadAppliedPassages()
    {
        lock (_gate)
        {
            using var command = _connection.CreateCommand();
            command.CommandText = "SELECT attendee, edge, gate, reason, hlc, at_us, applied FROM remote_passage WHERE applied IN (1, 2) ORDER BY hlc";
            using var reader = command.ExecuteReader();
            var passages = new List<(RemotePassage, RemoteOutcome)>();
            while (reader.Read())
            {
                passages.Add((new RemotePassage(reader.GetString(0), reader.GetString(1), reader.GetString(2), (ScanReason)reader.GetInt32(3),
                    reader.GetInt64(4), DateTimeOffset.UnixEpoch.AddTicks(reader.GetInt64(5) * 10)), (RemoteOutcome)reader.GetInt32(6)));
            }

            return passages;
        }
    }

    /// <summary>The newest clock reading among all remote passages stored: the journal's clock must stay past it.</summary>
    public long MaxPassageHlc()
    {
        lock (_gate)
        {
            return Scalar(_connection, "SELECT coalesce(max(hlc), 0) FROM remote_passage");
        }
    }

    /// <summary>A fresh snapshot is in ledger.jsonl: follow on from its version and cursor; older change rows are in it.</summary>
    public void RecordSnapshot(long ledgerVersion, long passagesCursor)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            SetMeta("ledger_version", ledgerVersion, transaction);
            SetMeta("passages_cursor", passagesCursor, transaction);
            SetMarks(null, null, transaction);
            DeleteChanges(ledgerVersion, transaction);
            transaction.Commit();
        }
    }

    /// <summary>
    /// ledger.jsonl now holds everything applied so far, stamped <paramref name="ledgerVersion"/>, below
    /// versions already stored (central went back): every stored change goes, whatever its version,
    /// and the edge asks from the given positions.
    /// </summary>
    public void RecordRewind(long ledgerVersion, long passagesCursor)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            SetMeta("ledger_version", ledgerVersion, transaction);
            SetMeta("passages_cursor", passagesCursor, transaction);
            SetMarks(null, null, transaction);
            DeleteChanges(long.MaxValue, transaction);
            transaction.Commit();
        }
    }

    /// <summary>Stores one applied page of /changes, with the version and cursor to ask from next and their marks, in one transaction.</summary>
    public void RecordPage(long ledgerVersion, long passagesCursor, IReadOnlyList<string> attendeeLines, IReadOnlyList<string> revokedTokens,
        IReadOnlyList<StoredPassage> passages, string? ledgerAt = null, string? passagesAt = null)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            if (attendeeLines.Count + revokedTokens.Count > 0)
            {
                using var change = _connection.CreateCommand();
                change.Transaction = transaction;
                change.CommandText = "INSERT INTO ledger_change(version, attendee, revoked_token) VALUES ($version, $attendee, $revoked)";
                var version = change.Parameters.Add("$version", SqliteType.Integer);
                var attendee = change.Parameters.Add("$attendee", SqliteType.Text);
                var revoked = change.Parameters.Add("$revoked", SqliteType.Text);
                version.Value = ledgerVersion;
                foreach (var line in attendeeLines)
                {
                    attendee.Value = line;
                    revoked.Value = DBNull.Value;
                    change.ExecuteNonQuery();
                }

                foreach (var token in revokedTokens)
                {
                    attendee.Value = DBNull.Value;
                    revoked.Value = token;
                    change.ExecuteNonQuery();
                }
            }

            if (passages.Count > 0)
            {
                using var insert = _connection.CreateCommand();
                insert.Transaction = transaction;
                // A passage delivered again keeps its first row: whether it applied was decided then.
                insert.CommandText = """
                    INSERT OR IGNORE INTO remote_passage(edge, seq, attendee, gate, reason, hlc, at_us, applied)
                    VALUES ($edge, $seq, $attendee, $gate, $reason, $hlc, $at, $applied)
                    """;
                var edge = insert.Parameters.Add("$edge", SqliteType.Text);
                var seq = insert.Parameters.Add("$seq", SqliteType.Integer);
                var who = insert.Parameters.Add("$attendee", SqliteType.Text);
                var gate = insert.Parameters.Add("$gate", SqliteType.Text);
                var reason = insert.Parameters.Add("$reason", SqliteType.Integer);
                var hlc = insert.Parameters.Add("$hlc", SqliteType.Integer);
                var at = insert.Parameters.Add("$at", SqliteType.Integer);
                var applied = insert.Parameters.Add("$applied", SqliteType.Integer);
                foreach (var p in passages)
                {
                    edge.Value = p.Passage.EdgeId;
                    seq.Value = p.Seq;
                    who.Value = p.Passage.AttendeeId;
                    gate.Value = p.Passage.GateId;
                    reason.Value = (int)p.Passage.Reason;
                    hlc.Value = p.Passage.Hlc;
                    at.Value = (p.Passage.At.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;
                    applied.Value = (int)p.Outcome;
                    insert.ExecuteNonQuery();
                }
            }

            SetMeta("ledger_version", ledgerVersion, transaction);
            SetMeta("passages_cursor", passagesCursor, transaction);
            SetMarks(ledgerAt, passagesAt, transaction, ledgerVersion, passagesCursor);
            transaction.Commit();
            _changeRows += attendeeLines.Count + revokedTokens.Count;
        }
    }

    /// <summary>ledger.jsonl now holds the ledger at <paramref name="ledgerVersion"/>: the rows it covers can go.</summary>
    public void RecordCompaction(long ledgerVersion)
    {
        lock (_gate)
        {
            using var transaction = _connection.BeginTransaction();
            DeleteChanges(ledgerVersion, transaction);
            transaction.Commit();
        }
    }

    private void DeleteChanges(long upToVersion, SqliteTransaction transaction)
    {
        using var delete = _connection.CreateCommand();
        delete.Transaction = transaction;
        delete.CommandText = "DELETE FROM ledger_change WHERE version <= $version";
        delete.Parameters.AddWithValue("$version", upToVersion);
        _changeRows -= delete.ExecuteNonQuery();
    }

    private long Meta(string key)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = "SELECT value FROM sync_meta WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return command.ExecuteScalar() is long value ? value : 0;
    }

    private void SetMeta(string key, long value, SqliteTransaction transaction)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO sync_meta(key, value) VALUES ($key, $value) ON CONFLICT(key) DO UPDATE SET value = excluded.value";
        command.Parameters.AddWithValue("$key", key);
        command.Parameters.AddWithValue("$value", value);
        command.ExecuteNonQuery();
    }

    /// <summary>Keeps exactly the marks given, with the positions they were sent with.</summary>
    private void SetMarks(string? ledgerAt, string? passagesAt, SqliteTransaction transaction, long ledgerVersion = 0, long passagesCursor = 0)
    {
        using var command = _connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            DELETE FROM sync_marks;
            INSERT INTO sync_marks(kind, value, position) SELECT 'ledger', $ledger, $version WHERE $ledger IS NOT NULL;
            INSERT INTO sync_marks(kind, value, position) SELECT 'passages', $passages, $cursor WHERE $passages IS NOT NULL;
            """;
        command.Parameters.AddWithValue("$ledger", (object?)ledgerAt ?? DBNull.Value);
        command.Parameters.AddWithValue("$passages", (object?)passagesAt ?? DBNull.Value);
        command.Parameters.AddWithValue("$version", ledgerVersion);
        command.Parameters.AddWithValue("$cursor", passagesCursor);
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _connection.Dispose();
        }
    }
}

/// <summary>Where the edge follows central from: the ledger version it holds and the passage feed cursor.</summary>
internal readonly record struct SyncCursor(long LedgerVersion, long PassagesCursor);

/// <summary>Central's marks of a ledger version and a passage cursor, each with the position it came with (null: none kept).</summary>
internal sealed record StoredMarks(string? LedgerAt, long LedgerVersion, string? PassagesAt, long PassagesCursor);

/// <summary>A stored ledger change: an attendee line (venue-ledger/1 JSON) or a revoked token hash.</summary>
internal sealed record StoredLedgerChange(long Version, string? AttendeeLine, string? RevokedToken);

/// <summary>A remote passage as stored, with its sequence at its edge and what it did here.</summary>
internal sealed record StoredPassage(RemotePassage Passage, long Seq, RemoteOutcome Outcome);
