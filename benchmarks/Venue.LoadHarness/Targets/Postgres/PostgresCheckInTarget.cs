using Npgsql;
using NpgsqlTypes;

namespace Venue.LoadHarness.Targets.Postgres;

/// <summary>
/// The central-database approach: a row lock per scan in PostgreSQL (durable defaults: fsync on,
/// synchronous_commit on). One connection per concurrent check.
/// </summary>
internal sealed class PostgresCheckInTarget : ICheckInTarget
{
    private const string Database = "venue";
    private readonly ConnectionPool<PostgresSession> _pool = new();
    private readonly List<string> _facts = [];
    private PostgresServer? _server;
    private NpgsqlDataSource? _dataSource;
    private string[] _ids = [];

    public string Name => "postgres";

    public string Description =>
        "PostgreSQL (fsync on, synchronous_commit on), Npgsql; per check one round trip to a PL/pgSQL function: SELECT ... FOR UPDATE, UPDATE, INSERT journal, committed on return; one connection per worker";

    public IReadOnlyList<string> Facts => _facts;

    public async Task StartAsync(TargetSetup setup, CancellationToken cancellationToken)
    {
        _server = await PostgresServer.StartAsync(setup.WorkDirectory, setup.Concurrency + 10, cancellationToken);
        await using (var bootstrap = new NpgsqlConnection(_server.ConnectionString("postgres", 1)))
        {
            await bootstrap.OpenAsync(cancellationToken);
            await Execute(bootstrap, $"CREATE DATABASE {Database}", cancellationToken);
        }

        _dataSource = NpgsqlDataSource.Create(_server.ConnectionString(Database, setup.Concurrency + 2));
        _ids = Enumerable.Range(0, setup.Ledger.Count).Select(i => setup.Ledger[i]).ToArray();
        await using (var admin = await _dataSource.OpenConnectionAsync(cancellationToken))
        {
            await Execute(admin, """
                CREATE TABLE attendee (id text PRIMARY KEY, status smallint NOT NULL DEFAULT 0);
                CREATE TABLE scan_journal (
                  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                  attendee_id text NOT NULL,
                  gate integer NOT NULL,
                  result text NOT NULL,
                  scanned_at timestamptz NOT NULL DEFAULT now());
                """, cancellationToken);
            await Execute(admin, PostgresSession.CheckInFunction, cancellationToken);
            await using (var copy = await admin.BeginBinaryImportAsync("COPY attendee (id) FROM STDIN (FORMAT BINARY)", cancellationToken))
            {
                foreach (var id in _ids)
                {
                    await copy.StartRowAsync(cancellationToken);
                    await copy.WriteAsync(id, NpgsqlDbType.Text, cancellationToken);
                }

                await copy.CompleteAsync(cancellationToken);
            }

            await Execute(admin, "VACUUM ANALYZE attendee", cancellationToken);
            await Execute(admin, "CHECKPOINT", cancellationToken);
            foreach (var setting in new[] { "server_version", "fsync", "synchronous_commit", "wal_sync_method", "full_page_writes", "shared_buffers" })
            {
                await using var show = new NpgsqlCommand($"SHOW {setting}", admin);
                _facts.Add($"{setting}={await show.ExecuteScalarAsync(cancellationToken)}");
            }
        }

        for (var i = 0; i < setup.Concurrency; i++)
        {
            _pool.Add(await PostgresSession.OpenAsync(_dataSource, cancellationToken));
        }
    }

    public async Task<bool> CheckInAsync(int attendeeIndex, int gate, CancellationToken cancellationToken)
    {
        var session = await _pool.RentAsync(cancellationToken);
        try
        {
            return await session.CheckInAsync(_ids[attendeeIndex], gate, cancellationToken);
        }
        finally
        {
            if (session.IsBroken)
            {
                await _pool.ReplaceAsync(session, await PostgresSession.OpenAsync(_dataSource!, CancellationToken.None));
            }
            else
            {
                _pool.Return(session);
            }
        }
    }

    public async Task ResetAsync(CancellationToken cancellationToken)
    {
        await using var admin = await _dataSource!.OpenConnectionAsync(cancellationToken);
        await Execute(admin, "UPDATE attendee SET status = 0 WHERE status <> 0; TRUNCATE scan_journal RESTART IDENTITY", cancellationToken);
        await Execute(admin, "VACUUM ANALYZE attendee", cancellationToken);
        await Execute(admin, "CHECKPOINT", cancellationToken);
    }

    public async Task<TargetTally> TallyAsync(string phase, CancellationToken cancellationToken)
    {
        await using var admin = await _dataSource!.OpenConnectionAsync(cancellationToken);
        await using var count = new NpgsqlCommand(
            "SELECT (SELECT count(*) FROM attendee WHERE status = 1), (SELECT count(*) FROM scan_journal)", admin);
        await using var reader = await count.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new TargetTally(reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _pool.DisposeAsync();
        if (_dataSource is not null)
        {
            await _dataSource.DisposeAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
