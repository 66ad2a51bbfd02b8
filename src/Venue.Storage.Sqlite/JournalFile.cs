using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace Venue.Storage.Sqlite;

/// <summary>
/// Opens a journal's SQLite file the way every journal needs it: WAL, <c>synchronous=FULL</c>, no
/// automatic checkpoints (<see cref="GroupCommitWriter{T}"/> runs its own), the schema created, and
/// the schema version in the meta table checked against the one this build reads. A file of an
/// older version is brought up to date by <c>upgrades</c> (one per version: entry 0 takes 1 to 2), each
/// step in one transaction with its version stamp, so a crash mid-upgrade leaves the older version.
/// </summary>
internal static class JournalFile
{
    public static SqliteConnection Open(string path, string what, string metaTable, int schemaVersion, string schema, IReadOnlyList<string>? upgrades = null)
    {
        upgrades ??= [];
        ArgumentException.ThrowIfNullOrEmpty(path);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        RefuseEmptiedBesideLog(path, what);
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, "PRAGMA busy_timeout=5000;");
            // Read before anything is written: a file this build will refuse is left as it was found.
            var version = ReadVersion(connection, metaTable, out var hasMeta, out var tables);
            var expected = schemaVersion.ToString(CultureInfo.InvariantCulture);
            // A file with tables this schema does not make and no meta table is some other file under this
            // name (another journal's, say); adopting it would stamp it and start again at sequence 1.
            var foreign = tables.Where(t => !Regex.IsMatch(schema, $@"CREATE TABLE IF NOT EXISTS {Regex.Escape(t)}\b", RegexOptions.IgnoreCase)).ToList();
            if (!hasMeta && foreign.Count > 0)
            {
                throw new InvalidDataException(
                    $"{what} {path} is not a {what.ToLowerInvariant()}: it holds {string.Join(", ", foreign.Take(5))} and no {metaTable} table (another file under this name?).");
            }

            var from = 0;
            if (version is not null && version != expected)
            {
                from = int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
                if (from < 1 || from >= schemaVersion || upgrades.Count != schemaVersion - 1)
                {
                    throw new InvalidDataException($"{what} {path} has schema version {version}; this build reads version {schemaVersion}.");
                }
            }

            Execute(connection, $"""
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                PRAGMA wal_autocheckpoint=0;
                PRAGMA journal_size_limit=67108864;
                CREATE TABLE IF NOT EXISTS {metaTable}(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                {schema}
                """);
            if (version is null)
            {
                Execute(connection, $"INSERT INTO {metaTable}(key, value) VALUES ('schema', '{expected}')");
            }
            else if (version != expected)
            {
                for (var step = from; step < schemaVersion; step++)
                {
                    using var transaction = connection.BeginTransaction();
                    using var upgrade = connection.CreateCommand();
                    upgrade.Transaction = transaction;
                    upgrade.CommandText = $"""
                        {upgrades[step - 1]}
                        UPDATE {metaTable} SET value = '{(step + 1).ToString(CultureInfo.InvariantCulture)}' WHERE key = 'schema';
                        """;
                    upgrade.ExecuteNonQuery();
                    transaction.Commit();
                }
            }
        }
        catch (SqliteException e)
        {
            // "file is not a database", "database is locked": which of the edge's files, said once, and what to do.
            connection.Dispose();
            throw Unusable(what, path, "could not be opened", e);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        return connection;
    }

    /// <summary>
    /// SQLite takes a zero-byte file for a new database and, switching it to WAL, throws away the
    /// write-ahead log beside it: committed entries not yet checkpointed (every scan of the last
    /// moments, or of the whole day) would be lost without a word. A zero-byte file alone is what an
    /// edge killed during its first open leaves, and opens as new.
    /// </summary>
    private static void RefuseEmptiedBesideLog(string path, string what)
    {
        var file = new FileInfo(path);
        var log = new FileInfo(path + "-wal");
        if (file.Exists && file.Length == 0 && log.Exists && log.Length > WalHeaderBytes)
        {
            throw new InvalidDataException(
                $"{what} {path} is empty (0 bytes), but its write-ahead log {log.FullName} holds {log.Length} bytes of committed entries: " +
                $"the database file was truncated or replaced. Both files are left as they were found. {DamagedAdvice(path)}");
        }
    }

    private const int WalHeaderBytes = 32;

    /// <summary>
    /// A journal file SQLite refused or failed on, named, said to be left as it was, with what the
    /// operator can do about that kind of failure (SQLite's primary result code).
    /// </summary>
    public static InvalidDataException Unusable(string what, string path, string failed, SqliteException e)
    {
        var advice = (e.SqliteErrorCode & 0xff) switch
        {
            // SQLITE_CORRUPT, SQLITE_NOTADB
            11 or 26 => $"It is left as it was found. {DamagedAdvice(path)}",
            // SQLITE_BUSY, SQLITE_LOCKED
            5 or 6 => "Another process has it open: stop it (another edge, or a tool reading the file) and start again.",
            // SQLITE_PERM, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_AUTH
            3 or 8 or 14 or 23 => $"Make {Path.GetDirectoryName(Path.GetFullPath(path))} and the files in it readable and writable by the user running the edge, then start again.",
            // SQLITE_FULL
            13 => $"Free space on the disk holding {path}, then start again.",
            // SQLITE_IOERR
            10 => $"The disk holding {path} reported an error: check it (dmesg, SMART) before trusting it with scans. It is left as it was found. {DamagedAdvice(path)}",
            _ => "It is left as it was found.",
        };
        return new InvalidDataException($"{what} {path} {failed}: {e.Message} {advice}", e);
    }

    /// <summary>
    /// A page SQLite finds damaged only when a read reaches it (replay at start, an upload): said with
    /// the file's name and what to do, not as a bare "database disk image is malformed".
    /// </summary>
    public static T Reading<T>(string what, string path, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (SqliteException e)
        {
            throw Unusable(what, path, "could not be read", e);
        }
    }

    private static string DamagedAdvice(string path) =>
        $"Copy the data directory aside as it is (it is the evidence of this edge's scans), then restore {Path.GetFileName(path)} " +
        "(with its -wal file, if it had one) from a backup, or start this edge on a fresh Edge:DataDirectory under a new Edge:EdgeId (README, 'When a journal is damaged').";

    /// <summary>The schema version in <paramref name="metaTable"/> (null without one, or without its row), and the file's other tables.</summary>
    private static string? ReadVersion(SqliteConnection connection, string metaTable, out bool hasMeta, out List<string> otherTables)
    {
        otherTables = [];
        hasMeta = false;
        using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name";
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                var name = reader.GetString(0);
                if (name == metaTable)
                {
                    hasMeta = true;
                }
                else
                {
                    otherTables.Add(name);
                }
            }
        }

        if (!hasMeta)
        {
            return null;
        }

        using var check = connection.CreateCommand();
        check.CommandText = $"SELECT value FROM {metaTable} WHERE key = 'schema'";
        return check.ExecuteScalar() as string;
    }

    public static SqliteConnection OpenReadOnly(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
