using Npgsql;
using NpgsqlTypes;

namespace Venue.LoadHarness.Targets.Postgres;

/// <summary>
/// One connection and its prepared call. A check is one round trip: <c>SELECT check_in($1, $2)</c>
/// in autocommit, the function taking the row lock (<c>SELECT ... FOR UPDATE</c>), marking the
/// attendee inside when they were not, and journaling the scan (see <see cref="CheckInFunction"/>).
/// The lock is held only inside the server, never across a client round trip.
/// </summary>
internal sealed class PostgresSession : IAsyncDisposable
{
    /// <summary>The check as one server-side function, created once per database.</summary>
    public const string CheckInFunction = """
        CREATE FUNCTION check_in(p_id text, p_gate integer) RETURNS boolean LANGUAGE plpgsql AS $$
        DECLARE
          held smallint;
          outcome text;
        BEGIN
          SELECT status INTO held FROM attendee WHERE id = p_id FOR UPDATE;
          IF NOT FOUND THEN
            outcome := 'unknown_ticket';
          ELSIF held = 1 THEN
            outcome := 'already_inside';
          ELSE
            UPDATE attendee SET status = 1 WHERE id = p_id;
            outcome := 'admitted';
          END IF;
          INSERT INTO scan_journal (attendee_id, gate, result) VALUES (p_id, p_gate, outcome);
          RETURN outcome = 'admitted';
        END
        $$;
        """;

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlCommand _check;

    private PostgresSession(NpgsqlConnection connection)
    {
        _connection = connection;
        _check = new NpgsqlCommand("SELECT check_in($1, $2)", connection)
        {
            Parameters = { new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Text }, new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Integer } },
        };
    }

    public static async Task<PostgresSession> OpenAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var session = new PostgresSession(connection);
        await session._check.PrepareAsync(cancellationToken);
        return session;
    }

    public async Task<bool> CheckInAsync(string attendee, int gate, CancellationToken cancellationToken)
    {
        _check.Parameters[0].Value = attendee;
        _check.Parameters[1].Value = gate;
        return (bool)(await _check.ExecuteScalarAsync(cancellationToken))!;
    }

    public bool IsBroken => _connection.State != System.Data.ConnectionState.Open;

    public async ValueTask DisposeAsync()
    {
        await _check.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
