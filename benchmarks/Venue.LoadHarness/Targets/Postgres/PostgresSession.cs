using Npgsql;
using NpgsqlTypes;

namespace Venue.LoadHarness.Targets.Postgres;

/// <summary>
/// One connection and its prepared statements. A check is two round trips:
/// <c>BEGIN; SELECT status ... FOR UPDATE</c>, then <c>UPDATE; INSERT journal; COMMIT</c>
/// (or <c>INSERT journal; COMMIT</c> when the attendee is refused).
/// </summary>
internal sealed class PostgresSession : IAsyncDisposable
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlBatch _lock;
    private readonly NpgsqlBatch _admit;
    private readonly NpgsqlBatch _refuse;

    private PostgresSession(NpgsqlConnection connection)
    {
        _connection = connection;
        _lock = Batch(connection,
            ("BEGIN", []),
            ("SELECT status FROM attendee WHERE id = $1 FOR UPDATE", [NpgsqlDbType.Text]));
        _admit = Batch(connection,
            ("UPDATE attendee SET status = 1 WHERE id = $1", [NpgsqlDbType.Text]),
            ("INSERT INTO scan_journal (attendee_id, gate, result) VALUES ($1, $2, $3)", [NpgsqlDbType.Text, NpgsqlDbType.Integer, NpgsqlDbType.Text]),
            ("COMMIT", []));
        _refuse = Batch(connection,
            ("INSERT INTO scan_journal (attendee_id, gate, result) VALUES ($1, $2, $3)", [NpgsqlDbType.Text, NpgsqlDbType.Integer, NpgsqlDbType.Text]),
            ("COMMIT", []));
    }

    public static async Task<PostgresSession> OpenAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var session = new PostgresSession(connection);
        await session._lock.PrepareAsync(cancellationToken);
        await session._admit.PrepareAsync(cancellationToken);
        await session._refuse.PrepareAsync(cancellationToken);
        return session;
    }

    public async Task<bool> CheckInAsync(string attendee, int gate, CancellationToken cancellationToken)
    {
        try
        {
            _lock.BatchCommands[1].Parameters[0].Value = attendee;
            var status = await _lock.ExecuteScalarAsync(cancellationToken);
            var result = status switch
            {
                null => "unknown_ticket",
                short s when s == 1 => "already_inside",
                _ => "admitted",
            };
            if (result == "admitted")
            {
                _admit.BatchCommands[0].Parameters[0].Value = attendee;
                SetJournal(_admit.BatchCommands[1], attendee, gate, result);
                await _admit.ExecuteNonQueryAsync(cancellationToken);
                return true;
            }

            SetJournal(_refuse.BatchCommands[0], attendee, gate, result);
            await _refuse.ExecuteNonQueryAsync(cancellationToken);
            return false;
        }
        catch (Exception) when (_connection.State == System.Data.ConnectionState.Open)
        {
            await RollBackAsync();
            throw;
        }
    }

    private async Task RollBackAsync()
    {
        try
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", _connection);
            await rollback.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (NpgsqlException)
        {
            // The connection is broken; the pool replaces it.
        }
    }

    public bool IsBroken => _connection.State != System.Data.ConnectionState.Open;

    private static void SetJournal(NpgsqlBatchCommand insert, string attendee, int gate, string result)
    {
        insert.Parameters[0].Value = attendee;
        insert.Parameters[1].Value = gate;
        insert.Parameters[2].Value = result;
    }

    private static NpgsqlBatch Batch(NpgsqlConnection connection, params (string Sql, NpgsqlDbType[] Parameters)[] statements)
    {
        var batch = new NpgsqlBatch(connection);
        foreach (var (sql, parameters) in statements)
        {
            var command = new NpgsqlBatchCommand(sql);
            foreach (var type in parameters)
            {
                command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = type });
            }

            batch.BatchCommands.Add(command);
        }

        return batch;
    }

    public async ValueTask DisposeAsync()
    {
        await _lock.DisposeAsync();
        await _admit.DisposeAsync();
        await _refuse.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
