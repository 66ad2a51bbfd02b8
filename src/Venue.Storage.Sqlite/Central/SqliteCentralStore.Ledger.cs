using Microsoft.Data.Sqlite;
using Venue.Domain.Central;
using Venue.Domain.Ledger;
using Venue.Storage.Central;

namespace Venue.Storage.Sqlite.Central;

public sealed partial class SqliteCentralStore
{
    internal const string AttendeeColumns =
        "id, name, email, company, ticket_type, valid_from_us, valid_until_us, status, gates, token, token_hash, version, updated_at_us";

    public Task<IReadOnlyList<RegisteredAttendee>> UpsertAttendeesAsync(
        IReadOnlyList<RegisteredAttendee> attendees,
        IReadOnlyList<UInt128> revokedTokens,
        DateTimeOffset at,
        Func<IReadOnlyList<RegisteredAttendee>, IReadOnlyList<WebhookEvent>>? webhookEvents = null,
        CancellationToken cancellationToken = default)
    {
        var rows = CentralStoreRules.Attendees(attendees);
        var tokens = CentralStoreRules.Tokens(revokedTokens);
        var updatedAt = SqliteValues.AsStored(at);
        return WriteAsync<IReadOnlyList<RegisteredAttendee>>(transaction =>
        {
            if (rows.Count + tokens.Count == 0)
            {
                return [];
            }

            var version = TakeNumbers(transaction, "ledger", rows.Count + tokens.Count);
            var stored = new List<RegisteredAttendee>(rows.Count);
            using (var upsert = _writer.Command($"""
                INSERT INTO attendees({AttendeeColumns})
                VALUES ($id, $name, $email, $company, $ticket_type, $valid_from, $valid_until, $status, $gates, $token, $token_hash, $version, $updated_at)
                ON CONFLICT(id) DO UPDATE SET
                    name = excluded.name, email = excluded.email, company = excluded.company,
                    ticket_type = excluded.ticket_type, valid_from_us = excluded.valid_from_us,
                    valid_until_us = excluded.valid_until_us, status = excluded.status, gates = excluded.gates,
                    token = excluded.token, token_hash = excluded.token_hash, version = excluded.version,
                    updated_at_us = excluded.updated_at_us
                """, transaction))
            {
                foreach (var a in rows)
                {
                    var row = a with
                    {
                        ValidFrom = SqliteValues.AsStored(a.ValidFrom),
                        ValidUntil = SqliteValues.AsStored(a.ValidUntil),
                        Version = version++,
                        UpdatedAt = updatedAt,
                    };
                    upsert.Parameters.Clear();
                    upsert.With("$id", row.Id).With("$name", row.Name).With("$email", row.Email).With("$company", row.Company)
                        .With("$ticket_type", row.TicketType)
                        .With("$valid_from", SqliteValues.Micros(row.ValidFrom)).With("$valid_until", SqliteValues.Micros(row.ValidUntil))
                        .With("$status", (int)row.Status)
                        .With("$gates", row.Gates is null ? null : SqliteValues.Json(row.Gates))
                        .With("$token", row.Token).With("$token_hash", SqliteValues.Bytes(row.TokenHash))
                        .With("$version", row.Version).With("$updated_at", SqliteValues.Micros(updatedAt));
                    upsert.ExecuteNonQuery();
                    stored.Add(row);
                }
            }

            using (var revoke = _writer.Command("""
                INSERT INTO revoked_tokens(token_hash, version, revoked_at_us) VALUES ($hash, $version, $at)
                ON CONFLICT(token_hash) DO NOTHING
                """, transaction))
            {
                foreach (var token in tokens)
                {
                    // A token revoked before keeps its first version; the number taken for it stays unused.
                    revoke.Parameters.Clear();
                    revoke.With("$hash", SqliteValues.Bytes(token)).With("$version", version++).With("$at", SqliteValues.Micros(updatedAt));
                    revoke.ExecuteNonQuery();
                }
            }

            if (webhookEvents is not null)
            {
                EnqueueWebhookEvents(transaction, webhookEvents(stored));
            }

            return stored;
        }, cancellationToken);
    }

    public Task<RegisteredAttendee?> GetAttendeeAsync(string id, CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        using var select = connection.Command($"SELECT {AttendeeColumns} FROM attendees WHERE id = $id").With("$id", id);
        using var reader = select.ExecuteReader();
        return Task.FromResult(reader.Read() ? ReadAttendee(reader) : null);
    }

    public Task<long> GetLedgerVersionAsync(CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        return Task.FromResult(ReadCounter(connection, null, "ledger"));
    }

    public Task<long> CountAttendeesAsync(CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        using var count = connection.Command("SELECT count(*) FROM attendees");
        return Task.FromResult((long)count.ExecuteScalar()!);
    }

    public Task<string?> GetLedgerMarkAsync(long version, CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        using var select = connection.Command("""
            SELECT 'a:' || id FROM attendees WHERE version = $version
            UNION ALL SELECT 'r:' || lower(hex(token_hash)) FROM revoked_tokens WHERE version = $version
            LIMIT 1
            """).With("$version", version);
        return Task.FromResult(select.ExecuteScalar() as string);
    }

    public Task<LedgerChanges> ReadLedgerChangesAsync(long afterVersion, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        using var connection = OpenReader();
        // One read transaction: the counter and the rows come from the same snapshot.
        using var transaction = connection.BeginTransaction(deferred: true);
        var current = ReadCounter(connection, transaction, "ledger");

        var attendees = new List<RegisteredAttendee>();
        using (var select = connection.Command($"SELECT {AttendeeColumns} FROM attendees WHERE version > $after ORDER BY version LIMIT $limit", transaction)
            .With("$after", afterVersion).With("$limit", limit + 1))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                attendees.Add(ReadAttendee(reader));
            }
        }

        var tokens = new List<(UInt128 Hash, long Version)>();
        var end = attendees.Count > limit ? attendees[limit - 1].Version : long.MaxValue;
        using (var select = connection.Command("SELECT token_hash, version FROM revoked_tokens WHERE version > $after AND version <= $end ORDER BY version LIMIT $limit", transaction)
            .With("$after", afterVersion).With("$end", end).With("$limit", limit + 1))
        using (var reader = select.ExecuteReader())
        {
            while (reader.Read())
            {
                tokens.Add((SqliteValues.Hash((byte[])reader.GetValue(0)), reader.GetInt64(1)));
            }
        }

        return Task.FromResult(CentralStoreRules.LedgerPage(attendees, tokens, limit, current));
    }

    public Task<ILedgerSnapshotView> OpenLedgerSnapshotAsync(CancellationToken cancellationToken = default)
    {
        var connection = OpenReader();
        try
        {
            var transaction = connection.BeginTransaction(deferred: true);
            // The first read fixes the snapshot every later read of this view sees.
            var version = ReadCounter(connection, transaction, "ledger");
            return Task.FromResult<ILedgerSnapshotView>(new SqliteLedgerSnapshotView(connection, transaction, version, PageSize));
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    internal static RegisteredAttendee ReadAttendee(SqliteDataReader r) =>
        new(
            r.GetString(0),
            r.GetString(1),
            r.NullableString(2),
            r.NullableString(3),
            r.GetString(4),
            r.NullableTime(5),
            r.NullableTime(6),
            (AttendeeStatus)r.GetInt32(7),
            r.IsDBNull(8) ? null : SqliteValues.List(r.GetString(8)),
            r.GetString(9),
            SqliteValues.Hash((byte[])r.GetValue(10)))
        {
            Version = r.GetInt64(11),
            UpdatedAt = r.Time(12),
        };
}
