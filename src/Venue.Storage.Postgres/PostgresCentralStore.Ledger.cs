using System.Data;
using Npgsql;
using NpgsqlTypes;
using Venue.Domain.Central;
using Venue.Domain.Ledger;
using Venue.Storage.Central;

namespace Venue.Storage.Postgres;

public sealed partial class PostgresCentralStore
{
    internal const string AttendeeColumns =
        "id, name, email, company, ticket_type, valid_from, valid_until, status, gates, token, token_hash, version, updated_at";

    public Task<IReadOnlyList<RegisteredAttendee>> UpsertAttendeesAsync(
        IReadOnlyList<RegisteredAttendee> attendees,
        IReadOnlyList<UInt128> revokedTokens,
        DateTimeOffset at,
        Func<IReadOnlyList<RegisteredAttendee>, IReadOnlyList<WebhookEvent>>? webhookEvents = null,
        CancellationToken cancellationToken = default)
    {
        var rows = CentralStoreRules.Attendees(attendees);
        var tokens = CentralStoreRules.Tokens(revokedTokens);
        var updatedAt = PostgresValues.AsStored(at);
        if (rows.Count + tokens.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<RegisteredAttendee>>([]);
        }

        return InTransactionAsync<IReadOnlyList<RegisteredAttendee>>(async (connection, ct) =>
        {
            var version = await TakeNumbersAsync(connection, "ledger", rows.Count + tokens.Count, ct);
            var stored = rows.Select((a, i) => a with
            {
                ValidFrom = PostgresValues.AsStored(a.ValidFrom),
                ValidUntil = PostgresValues.AsStored(a.ValidUntil),
                Version = version + i,
                UpdatedAt = updatedAt,
            }).ToList();

            await using var batch = new NpgsqlBatch(connection);
            if (stored.Count > 0)
            {
                var upsert = new NpgsqlBatchCommand($"""
                    INSERT INTO attendees({AttendeeColumns})
                    SELECT u.id, u.name, u.email, u.company, u.ticket_type, u.valid_from, u.valid_until, u.status,
                           u.gates::jsonb, u.token, u.token_hash, u.version, @at
                    FROM unnest(@id, @name, @email, @company, @ticket_type, @valid_from, @valid_until, @status, @gates, @token, @token_hash, @version)
                         AS u(id, name, email, company, ticket_type, valid_from, valid_until, status, gates, token, token_hash, version)
                    ON CONFLICT (id) DO UPDATE SET
                        name = excluded.name, email = excluded.email, company = excluded.company,
                        ticket_type = excluded.ticket_type, valid_from = excluded.valid_from,
                        valid_until = excluded.valid_until, status = excluded.status, gates = excluded.gates,
                        token = excluded.token, token_hash = excluded.token_hash, version = excluded.version,
                        updated_at = excluded.updated_at
                    """)
                    .With("at", PostgresValues.Utc(updatedAt))
                    .With("id", NpgsqlDbType.Array | NpgsqlDbType.Text, stored.Select(a => a.Id).ToArray())
                    .With("name", NpgsqlDbType.Array | NpgsqlDbType.Text, stored.Select(a => a.Name).ToArray())
                    .With("email", NpgsqlDbType.Array | NpgsqlDbType.Text, stored.Select(a => a.Email).ToArray())
                    .With("company", NpgsqlDbType.Array | NpgsqlDbType.Text, stored.Select(a => a.Company).ToArray())
                    .With("ticket_type", NpgsqlDbType.Array | NpgsqlDbType.Text, stored.Select(a => a.TicketType).ToArray())
                    .With("valid_from", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, stored.Select(a => PostgresValues.Utc(a.ValidFrom)).ToArray())
                    .With("valid_until", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, stored.Select(a => PostgresValues.Utc(a.ValidUntil)).ToArray())
                    .With("status", NpgsqlDbType.Array | NpgsqlDbType.Smallint, stored.Select(a => (short)a.Status).ToArray())
                    .With("gates", NpgsqlDbType.Array | NpgsqlDbType.Text, stored.Select(a => a.Gates is null ? null : PostgresValues.Json(a.Gates)).ToArray())
                    .With("token", NpgsqlDbType.Array | NpgsqlDbType.Text, stored.Select(a => a.Token).ToArray())
                    .With("token_hash", NpgsqlDbType.Array | NpgsqlDbType.Bytea, stored.Select(a => PostgresValues.Bytes(a.TokenHash)).ToArray())
                    .With("version", NpgsqlDbType.Array | NpgsqlDbType.Bigint, stored.Select(a => a.Version).ToArray());
                batch.BatchCommands.Add(upsert);
            }

            if (tokens.Count > 0)
            {
                // A token revoked before keeps its first version; the number taken for it stays unused.
                var revoke = new NpgsqlBatchCommand("""
                    INSERT INTO revoked_tokens(token_hash, version, revoked_at)
                    SELECT u.hash, u.version, @at FROM unnest(@hash, @version) AS u(hash, version)
                    ON CONFLICT (token_hash) DO NOTHING
                    """)
                    .With("at", PostgresValues.Utc(updatedAt))
                    .With("hash", NpgsqlDbType.Array | NpgsqlDbType.Bytea, tokens.Select(PostgresValues.Bytes).ToArray())
                    .With("version", NpgsqlDbType.Array | NpgsqlDbType.Bigint, tokens.Select((_, i) => version + stored.Count + i).ToArray());
                batch.BatchCommands.Add(revoke);
            }

            await batch.ExecuteNonQueryAsync(ct);
            if (webhookEvents is not null)
            {
                await EnqueueWebhookEventsAsync(connection, webhookEvents(stored), ct);
            }

            return stored;
        }, cancellationToken);
    }

    public async Task<RegisteredAttendee?> GetAttendeeAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var select = _dataSource.CreateCommand($"SELECT {AttendeeColumns} FROM attendees WHERE id = @id").With("id", id);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadAttendee(reader) : null;
    }

    public Task<long> GetLedgerVersionAsync(CancellationToken cancellationToken = default) => ReadCounterAsync("ledger", cancellationToken);

    public async Task<long> CountAttendeesAsync(CancellationToken cancellationToken = default)
    {
        await using var count = _dataSource.CreateCommand("SELECT count(*) FROM attendees");
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    public Task<LedgerChanges> ReadLedgerChangesAsync(long afterVersion, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        // Repeatable read: the counter and the rows come from one snapshot.
        return InTransactionAsync(async (connection, ct) =>
        {
            long current;
            await using (var counter = new NpgsqlCommand("SELECT value FROM counters WHERE name = 'ledger'", connection))
            {
                current = (long)(await counter.ExecuteScalarAsync(ct))!;
            }

            var attendees = new List<RegisteredAttendee>();
            await using (var select = new NpgsqlCommand($"SELECT {AttendeeColumns} FROM attendees WHERE version > @after ORDER BY version LIMIT @limit", connection)
                .With("after", afterVersion).With("limit", limit + 1))
            await using (var reader = await select.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    attendees.Add(ReadAttendee(reader));
                }
            }

            var end = attendees.Count > limit ? attendees[limit - 1].Version : long.MaxValue;
            var tokens = new List<(UInt128 Hash, long Version)>();
            await using (var select = new NpgsqlCommand("SELECT token_hash, version FROM revoked_tokens WHERE version > @after AND version <= @end ORDER BY version LIMIT @limit", connection)
                .With("after", afterVersion).With("end", end).With("limit", limit + 1))
            await using (var reader = await select.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    tokens.Add((PostgresValues.Hash((byte[])reader[0]), reader.GetInt64(1)));
                }
            }

            return CentralStoreRules.LedgerPage(attendees, tokens, limit, current);
        }, cancellationToken, IsolationLevel.RepeatableRead, limits: false); // reads only, and every edge's long poll: no extra round trip
    }

    public async Task<string?> GetLedgerMarkAsync(long version, CancellationToken cancellationToken = default)
    {
        await using var select = _dataSource.CreateCommand("""
            SELECT 'a:' || id FROM attendees WHERE version = @version
            UNION ALL SELECT 'r:' || encode(token_hash, 'hex') FROM revoked_tokens WHERE version = @version
            LIMIT 1
            """).With("version", version);
        return await select.ExecuteScalarAsync(cancellationToken) as string;
    }

    public async Task<ILedgerSnapshotView> OpenLedgerSnapshotAsync(CancellationToken cancellationToken = default)
    {
        var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            // The first query fixes the snapshot every later read of this view sees.
            await using var counter = new NpgsqlCommand("SELECT value FROM counters WHERE name = 'ledger'", connection);
            var version = (long)(await counter.ExecuteScalarAsync(cancellationToken))!;
            return new PostgresLedgerSnapshotView(connection, transaction, version, PageSize);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    internal static RegisteredAttendee ReadAttendee(NpgsqlDataReader r) =>
        new(
            r.GetString(0),
            r.GetString(1),
            r.NullableString(2),
            r.NullableString(3),
            r.GetString(4),
            r.NullableTime(5),
            r.NullableTime(6),
            (AttendeeStatus)r.GetInt16(7),
            r.IsDBNull(8) ? null : PostgresValues.List(r.GetString(8)),
            r.GetString(9),
            PostgresValues.Hash((byte[])r[10]))
        {
            Version = r.GetInt64(11),
            UpdatedAt = r.Time(12),
        };
}
