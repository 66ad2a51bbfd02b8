using System.Data;
using Npgsql;
using Venue.Domain.Central;
using Venue.Domain.Devices;
using Venue.Runtime.Storage;

namespace Venue.Storage.Postgres;

/// <summary>
/// Central's production store: PostgreSQL through one <see cref="NpgsqlDataSource"/>. Numbers that
/// readers follow (ledger versions, feed ids, conflict ids) are taken from a counter row inside the
/// writing transaction, so they become visible in commit order. Bulk work goes through arrays
/// (<c>unnest</c>) in one round trip; streams read keyset pages, never a whole table.
/// </summary>
public sealed partial class PostgresCentralStore : ICentralStore
{
    private const int PageSize = 1000;

    /// <summary>How long a write waits for a row lock another session holds before it fails (and the edge's upload is retried).</summary>
    public static readonly TimeSpan DefaultLockTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long the server lets one of this store's transactions sit idle before it ends the session.
    /// None of them waits on anything but the database mid-transaction, so an idle one belongs to a
    /// central that vanished (its host lost the network): the server would otherwise hold its row
    /// locks, and with them every edge's uploads, until TCP gives up (about two hours by default).
    /// </summary>
    public static readonly TimeSpan IdleInTransactionTimeout = TimeSpan.FromSeconds(60);

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _unpooled;
    private readonly string _server;
    private readonly int _connectTimeoutSeconds;
    private readonly string _transactionLimits;

    /// <summary>The claim this store's central took last (0: none); see <see cref="EnsureStillClaimedAsync"/>.</summary>
    private long _claimNumber;
    private PostgresCentralClaim? _claim;

    private PostgresCentralStore(NpgsqlDataSource dataSource, NpgsqlDataSource unpooled, TimeProvider time, TimeSpan lockTimeout)
    {
        _dataSource = dataSource;
        _unpooled = unpooled;
        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        _server = $"{settings.Host}:{settings.Port}";
        _connectTimeoutSeconds = settings.Timeout;
        _transactionLimits =
            $"SET LOCAL lock_timeout = '{(long)lockTimeout.TotalMilliseconds}ms'; SET LOCAL idle_in_transaction_session_timeout = '{(long)IdleInTransactionTimeout.TotalMilliseconds}ms'";
        GrainStorage = new PostgresGrainStorage(dataSource);
        Devices = new PostgresDeviceCredentialStore(dataSource, time);
    }

    public string Kind => "postgres";

    public IGrainStorage GrainStorage { get; }

    public IDeviceCredentialStore Devices { get; }

    /// <summary>
    /// A store over the database the connection string names. Nothing is created until
    /// <see cref="MigrateAsync"/>, which the host runs at start-up.
    /// </summary>
    public static PostgresCentralStore Create(string connectionString, TimeProvider time, TimeSpan? lockTimeout = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        ArgumentNullException.ThrowIfNull(time);
        var limit = lockTimeout ?? DefaultLockTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, TimeSpan.FromMilliseconds(1), nameof(lockTimeout));
        var unpooled = new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        return new PostgresCentralStore(NpgsqlDataSource.Create(connectionString), NpgsqlDataSource.Create(unpooled), time, limit);
    }

    /// <summary>
    /// Opens a connection for start-up work (the claim, the migration: the first things central and
    /// the command line do with the database), so a server that does not answer is named, and
    /// Ctrl+C is not held up by the connection attempt.
    /// </summary>
    private async Task<NpgsqlConnection> OpenAtStartAsync(NpgsqlDataSource source, CancellationToken cancellationToken)
    {
        var opening = source.OpenConnectionAsync(cancellationToken).AsTask();
        try
        {
            return await opening.WaitAsync(cancellationToken);
        }
        catch (NpgsqlException e) when (e.InnerException is TimeoutException)
        {
            throw new TimeoutException(
                $"PostgreSQL at {_server} did not answer within {_connectTimeoutSeconds} s (the connection string's Timeout); is it running and reachable?", e);
        }
        catch (OperationCanceledException) when (!opening.IsCompleted)
        {
            // Given up on, not abandoned: a connection that opens after all goes back at once.
            _ = opening.ContinueWith(static t => t.Result.Dispose(), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }
    }

    /// <summary>Creates or upgrades the schema.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var migrations = PostgresCentralSchema.Migrations;
        await using var connection = await OpenAtStartAsync(_dataSource, cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Concurrent migrators (several central instances starting at once) wait here for each
        // other, for as long as the first one's migration takes; so do the steps themselves. So that
        // "as long as" is not two hours when a migrator's host vanishes mid-way, the server probes its
        // peer after 30 s of silence and ends a transaction left idle for a minute (as for the claim).
        await using (var lockCommand = new NpgsqlCommand(
            "SET LOCAL tcp_keepalives_idle = 30; SET LOCAL tcp_keepalives_interval = 10; SET LOCAL tcp_keepalives_count = 3; " +
            "SET LOCAL idle_in_transaction_session_timeout = '60s'; SET LOCAL lock_timeout = 0; SELECT pg_advisory_xact_lock(@key)", connection)
            .With("key", PostgresCentralSchema.MigrationLock))
        {
            lockCommand.CommandTimeout = 0;
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS schema_version(id integer PRIMARY KEY CHECK (id = 1), version integer NOT NULL)", connection))
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var read = new NpgsqlCommand("SELECT version FROM schema_version WHERE id = 1", connection);
        var version = await read.ExecuteScalarAsync(cancellationToken) as int? ?? 0;
        if (version > migrations.Count)
        {
            // Nothing is changed: an older build would misread the newer tables, or write rows the newer one cannot read.
            throw new InvalidDataException(
                $"The database (PostgreSQL at {_server}) has schema version {version}; this build knows versions up to {migrations.Count}: a newer Venue has upgraded it. Run that build or a later one; nothing was changed.");
        }

        for (var step = version; step < migrations.Count; step++)
        {
            await using var migrate = new NpgsqlCommand(migrations[step], connection) { CommandTimeout = 0 };
            await migrate.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var record = new NpgsqlCommand(
            "INSERT INTO schema_version(id, version) VALUES (1, @v) ON CONFLICT (id) DO UPDATE SET version = excluded.version", connection)
            .With("v", migrations.Count))
        {
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        if (_claim is { } claim)
        {
            // Claimed before the schema had its claim row: counted now (PostgresCentralClaim.CountAsync).
            await claim.CountAsync(cancellationToken);
        }

        return migrations.Count;
    }

    public async Task EnsureEventAsync(string eventId, string name, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventId);
        ArgumentException.ThrowIfNullOrEmpty(name);
        await using var upsert = _dataSource.CreateCommand("""
            INSERT INTO events(id, name, created_at) VALUES (@id, @name, @at)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name
            """).With("id", eventId).With("name", name).With("at", PostgresValues.Utc(at));
        await upsert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in one transaction on a connection of its own; an exception rolls
    /// it back. A row lock held elsewhere (a stuck session, a psql left open) fails it after the lock
    /// timeout with PostgreSQL's "lock timeout" error instead of a read timeout that looks like a
    /// network fault; see also <see cref="IdleInTransactionTimeout"/>.
    /// </summary>
    /// <param name="limits">False for a transaction that only reads, which takes no lock and so needs neither limit (nor the round trip that sets them).</param>
    private async Task<T> InTransactionAsync<T>(
        Func<NpgsqlConnection, CancellationToken, Task<T>> work,
        CancellationToken cancellationToken,
        IsolationLevel isolation = IsolationLevel.ReadCommitted,
        bool limits = true)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(isolation, cancellationToken);
        if (limits)
        {
            await using var set = new NpgsqlCommand(_transactionLimits, connection);
            await set.ExecuteNonQueryAsync(cancellationToken);
        }

        var result = await work(connection, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>Takes <paramref name="count"/> numbers from a counter (locking its row until commit); returns the first.</summary>
    private static async Task<long> TakeNumbersAsync(NpgsqlConnection connection, string name, long count, CancellationToken cancellationToken)
    {
        await using var take = new NpgsqlCommand("UPDATE counters SET value = value + @n WHERE name = @name RETURNING value", connection)
            .With("n", count).With("name", name);
        return (long)(await take.ExecuteScalarAsync(cancellationToken))! - count + 1;
    }

    /// <summary>
    /// In a writing transaction of check-ins or conflicts: holds the claim counter's row shared until
    /// commit (a central taking the store waits for this transaction), and refuses to go on when
    /// another central has claimed the store since this one did. A store that never claimed (a
    /// one-off command) is not fenced.
    /// </summary>
    private async Task EnsureStillClaimedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var mine = Interlocked.Read(ref _claimNumber);
        if (mine == 0)
        {
            return;
        }

        await using var read = new NpgsqlCommand("SELECT value FROM counters WHERE name = 'claim' FOR SHARE", connection);
        var latest = (long)(await read.ExecuteScalarAsync(cancellationToken))!;
        if (latest != mine)
        {
            throw new InvalidOperationException(
                $"Another central claimed this store (claim {latest}; this one holds claim {mine}): this central stores nothing more and stops at its next heartbeat.");
        }
    }

    private async Task<long> ReadCounterAsync(string name, CancellationToken cancellationToken)
    {
        await using var read = _dataSource.CreateCommand("SELECT value FROM counters WHERE name = @name").With("name", name);
        return (long)(await read.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>A session-level advisory lock per schema (<see cref="PostgresCentralClaim"/>).</summary>
    public async Task<ICentralClaim> ClaimAsync(CancellationToken cancellationToken = default)
    {
        var claim = new PostgresCentralClaim(ct => OpenAtStartAsync(_unpooled, ct), number => Interlocked.Exchange(ref _claimNumber, number));
        if (await claim.TryTakeAsync(cancellationToken))
        {
            _claim = claim;
            return claim;
        }

        throw new InvalidOperationException(
            $"Another central is running on this database (PostgreSQL at {_server}, it holds the central lock of this schema); run one central per database. " +
            "If none is running, the database has not yet noticed that one died: try again in a minute.");
    }

    public async ValueTask DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        await _unpooled.DisposeAsync();
    }
}
