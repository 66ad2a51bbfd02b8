using System.Globalization;
using Microsoft.Data.Sqlite;
using Venue.Domain.Central;
using Venue.Domain.Devices;
using Venue.Runtime.Storage;

namespace Venue.Storage.Sqlite.Central;

/// <summary>
/// Central's embedded store: one SQLite file (<c>central.db</c>) in WAL mode with
/// <c>synchronous=FULL</c>. One connection writes, one transaction at a time (a semaphore orders
/// them), so versions and feed ids taken inside a write are in commit order by construction;
/// reads use pooled read-only connections and never wait for the writer.
/// </summary>
public sealed partial class SqliteCentralStore : ICentralStore
{
    private const int PageSize = 1000;

    private readonly SqliteConnection _writer;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly string _readConnectionString;
    private int _disposed;

    private SqliteCentralStore(string path, SqliteConnection writer, string readConnectionString, TimeProvider time)
    {
        Path = path;
        _writer = writer;
        _readConnectionString = readConnectionString;
        GrainStorage = new SqliteGrainStorage(this);
        Devices = new SqliteDeviceCredentialStore(path, time);
    }

    public string Kind => "sqlite";

    public string Path { get; }

    public IGrainStorage GrainStorage { get; }

    public IDeviceCredentialStore Devices { get; }

    /// <summary>Opens (or creates) the database file and brings its schema up to date.</summary>
    public static async Task<SqliteCentralStore> OpenAsync(string path, TimeProvider time, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(time);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        var writer = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            DefaultTimeout = 30,
        }.ToString());
        try
        {
            await writer.OpenAsync(cancellationToken);
            using (var pragmas = writer.Command("""
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=FULL;
                PRAGMA busy_timeout=5000;
                """))
            {
                pragmas.ExecuteNonQuery();
            }

            var read = new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadOnly,
                DefaultTimeout = 30,
            }.ToString();
            var store = new SqliteCentralStore(path, writer, read, time);
            await store.MigrateAsync(cancellationToken);
            return store;
        }
        catch
        {
            await writer.DisposeAsync();
            throw;
        }
    }

    public Task<int> MigrateAsync(CancellationToken cancellationToken = default) => WriteAsync(transaction =>
    {
        // BEGIN IMMEDIATE (WriteAsync) serializes migrators in other processes too.
        using (var create = _writer.Command("CREATE TABLE IF NOT EXISTS schema_version(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)", transaction))
        {
            create.ExecuteNonQuery();
        }

        using var read = _writer.Command("SELECT version FROM schema_version WHERE id = 1", transaction);
        var version = Convert.ToInt32(read.ExecuteScalar() ?? 0L, CultureInfo.InvariantCulture);
        var migrations = SqliteCentralSchema.Migrations;
        if (version > migrations.Count)
        {
            throw new InvalidDataException($"{Path} has schema version {version}; this build knows versions up to {migrations.Count}: a newer Venue has upgraded it. Run that build or a later one; nothing was changed.");
        }

        for (var step = version; step < migrations.Count; step++)
        {
            using var migrate = _writer.Command(migrations[step], transaction);
            migrate.ExecuteNonQuery();
        }

        using var record = _writer.Command("INSERT INTO schema_version(id, version) VALUES (1, $v) ON CONFLICT(id) DO UPDATE SET version = excluded.version", transaction)
            .With("$v", migrations.Count);
        record.ExecuteNonQuery();
        return migrations.Count;
    }, cancellationToken);

    public Task EnsureEventAsync(string eventId, string name, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return WriteAsync(transaction =>
        {
            using var upsert = _writer.Command("""
                INSERT INTO events(id, name, created_at_us) VALUES ($id, $name, $at)
                ON CONFLICT(id) DO UPDATE SET name = excluded.name
                """, transaction)
                .With("$id", eventId).With("$name", name).With("$at", SqliteValues.Micros(at));
            return upsert.ExecuteNonQuery();
        }, cancellationToken);
    }

    /// <summary>Runs <paramref name="work"/> in one write transaction (BEGIN IMMEDIATE), one at a time; an exception rolls it back.</summary>
    internal async Task<T> WriteAsync<T>(Func<SqliteTransaction, T> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        await _writeLock.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            using var transaction = _writer.BeginTransaction(deferred: false);
            var result = work(transaction);
            transaction.Commit();
            return result;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>A pooled read-only connection; a transaction begun on it reads one snapshot.</summary>
    internal SqliteConnection OpenReader()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var connection = new SqliteConnection(_readConnectionString);
        connection.Open();
        return connection;
    }

    private long ReadCounter(SqliteConnection connection, SqliteTransaction? transaction, string name)
    {
        using var read = connection.Command("SELECT value FROM counters WHERE name = $name", transaction).With("$name", name);
        return (long)(read.ExecuteScalar() ?? throw new InvalidDataException($"{Path} has no '{name}' counter."));
    }

    internal long TakeGrainVersion(SqliteTransaction transaction) => TakeNumbers(transaction, "grain", 1);

    /// <summary>Takes <paramref name="count"/> numbers from a counter; returns the first.</summary>
    private long TakeNumbers(SqliteTransaction transaction, string name, long count)
    {
        using var take = _writer.Command("UPDATE counters SET value = value + $n WHERE name = $name RETURNING value", transaction)
            .With("$n", count).With("$name", name);
        return (long)take.ExecuteScalar()! - count + 1;
    }

    public Task<ICentralClaim> ClaimAsync(CancellationToken cancellationToken = default) => Task.FromResult(Claim(Path));

    /// <summary>
    /// The claim on the store at <paramref name="path"/>: an exclusive lock on <c>{path}.claim</c>,
    /// which the operating system lets go of with the process. Needs no table, so central takes it
    /// before it opens (and migrates) the database.
    /// </summary>
    public static ICentralClaim Claim(string path)
    {
        var claimPath = path + ".claim";
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(claimPath))!);
        return new FileClaim(ExclusiveFile.TryHold(claimPath) ?? throw new InvalidOperationException(
            $"Another central is running on {System.IO.Path.GetFullPath(path)} (it holds {System.IO.Path.GetFileName(claimPath)} open); run one central per store."));
    }

    private sealed class FileClaim(FileStream file) : ICentralClaim
    {
        private bool _disposed;

        public Task<bool> RenewAsync(CancellationToken cancellationToken = default)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return Task.FromResult(true); // a lock the process holds open cannot be lost
        }

        public ValueTask DisposeAsync()
        {
            _disposed = true;
            return file.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Waits for a write in progress; later ones see the store disposed.
        await _writeLock.WaitAsync();
        try
        {
            await _writer.DisposeAsync();
            using var pooled = new SqliteConnection(_readConnectionString);
            SqliteConnection.ClearPool(pooled);
            // The device store pools its own connections to the same file (its connection string, rebuilt).
            using var devices = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWriteCreate, DefaultTimeout = 5 }.ToString());
            SqliteConnection.ClearPool(devices);
        }
        finally
        {
            _writeLock.Release();
        }
    }
}
