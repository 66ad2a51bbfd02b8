using System.Globalization;
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
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            Execute(connection, $"""
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                PRAGMA wal_autocheckpoint=0;
                PRAGMA busy_timeout=5000;
                PRAGMA journal_size_limit=67108864;
                CREATE TABLE IF NOT EXISTS {metaTable}(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                {schema}
                """);
            using var check = connection.CreateCommand();
            check.CommandText = $"SELECT value FROM {metaTable} WHERE key = 'schema'";
            var version = check.ExecuteScalar() as string;
            var expected = schemaVersion.ToString(CultureInfo.InvariantCulture);
            if (version is null)
            {
                Execute(connection, $"INSERT INTO {metaTable}(key, value) VALUES ('schema', '{expected}')");
            }
            else if (version != expected)
            {
                var from = int.TryParse(version, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0;
                if (from < 1 || from >= schemaVersion || upgrades.Count != schemaVersion - 1)
                {
                    throw new InvalidDataException($"{what} {path} has schema version {version}; this build reads version {schemaVersion}.");
                }

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
        catch
        {
            connection.Dispose();
            throw;
        }

        return connection;
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
