using Npgsql;
using NpgsqlTypes;
using Venue.Domain.Central;
using Venue.Storage.Central;

namespace Venue.Storage.Postgres;

public sealed partial class PostgresCentralStore
{
    private const string ConflictColumns = """
        id, attendee_id, first_edge, first_seq, first_gate, first_at, first_hlc,
        second_edge, second_seq, second_gate, second_at, second_hlc, detected_at, acknowledged_at, acknowledged_by
        """;

    public Task<IReadOnlyList<Conflict>> ReplaceConflictsAsync(string attendeeId, IReadOnlyList<Conflict> current, Func<Conflict, WebhookEvent>? webhookEvent = null,
        CancellationToken cancellationToken = default)
    {
        var wanted = CentralStoreRules.Conflicts(attendeeId, current);
        return InTransactionAsync<IReadOnlyList<Conflict>>(async (connection, ct) =>
        {
            await EnsureStillClaimedAsync(connection, ct);
            // Two reconciliations of one attendee take turns; different attendees do not wait for each other.
            await using (var turn = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtextextended('venue.conflicts/' || @a, 0))", connection).With("a", attendeeId))
            {
                await turn.ExecuteNonQueryAsync(ct);
            }

            var stored = new Dictionary<string, long>(StringComparer.Ordinal);
            await using (var select = new NpgsqlCommand("SELECT id, second_edge, second_seq FROM conflicts WHERE attendee_id = @a", connection).With("a", attendeeId))
            await using (var reader = await select.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    stored[$"{attendeeId}/{reader.GetString(1)}/{reader.GetInt64(2)}"] = reader.GetInt64(0);
                }
            }

            var keep = wanted.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
            var gone = stored.Where(s => !keep.Contains(s.Key)).Select(s => s.Value).ToArray();
            if (gone.Length > 0)
            {
                await using var delete = new NpgsqlCommand("DELETE FROM conflicts WHERE id = ANY(@ids)", connection).With("ids", gone);
                await delete.ExecuteNonQueryAsync(ct);
            }

            var added = wanted.Where(c => !stored.ContainsKey(c.Key)).ToList();
            if (added.Count == 0)
            {
                return [];
            }

            // Ids from the counter: in commit order and never reused, so "after id" cursors stay true.
            var first = await TakeNumbersAsync(connection, "conflict", added.Count, ct);
            var rows = added.Select((c, i) => c with
            {
                Id = first + i,
                First = c.First with { At = PostgresValues.AsStored(c.First.At) },
                Second = c.Second with { At = PostgresValues.AsStored(c.Second.At) },
                DetectedAt = PostgresValues.AsStored(c.DetectedAt),
                AcknowledgedAt = null,
                AcknowledgedBy = null,
            }).ToList();
            await using var insert = new NpgsqlCommand($"""
                INSERT INTO conflicts({ConflictColumns})
                SELECT u.id, @a, u.fe, u.fs, u.fg, u.fat, u.fh, u.se, u.ss, u.sg, u.sat, u.sh, u.detected, NULL, NULL
                FROM unnest(@id, @fe, @fs, @fg, @fat, @fh, @se, @ss, @sg, @sat, @sh, @detected)
                     AS u(id, fe, fs, fg, fat, fh, se, ss, sg, sat, sh, detected)
                """, connection)
                .With("a", attendeeId)
                .With("id", NpgsqlDbType.Array | NpgsqlDbType.Bigint, rows.Select(c => c.Id).ToArray())
                .With("fe", NpgsqlDbType.Array | NpgsqlDbType.Text, rows.Select(c => c.First.EdgeId).ToArray())
                .With("fs", NpgsqlDbType.Array | NpgsqlDbType.Bigint, rows.Select(c => c.First.Sequence).ToArray())
                .With("fg", NpgsqlDbType.Array | NpgsqlDbType.Text, rows.Select(c => c.First.GateId).ToArray())
                .With("fat", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, rows.Select(c => PostgresValues.Utc(c.First.At)).ToArray())
                .With("fh", NpgsqlDbType.Array | NpgsqlDbType.Bigint, rows.Select(c => c.First.Hlc).ToArray())
                .With("se", NpgsqlDbType.Array | NpgsqlDbType.Text, rows.Select(c => c.Second.EdgeId).ToArray())
                .With("ss", NpgsqlDbType.Array | NpgsqlDbType.Bigint, rows.Select(c => c.Second.Sequence).ToArray())
                .With("sg", NpgsqlDbType.Array | NpgsqlDbType.Text, rows.Select(c => c.Second.GateId).ToArray())
                .With("sat", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, rows.Select(c => PostgresValues.Utc(c.Second.At)).ToArray())
                .With("sh", NpgsqlDbType.Array | NpgsqlDbType.Bigint, rows.Select(c => c.Second.Hlc).ToArray())
                .With("detected", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, rows.Select(c => PostgresValues.Utc(c.DetectedAt)).ToArray());
            await insert.ExecuteNonQueryAsync(ct);
            if (webhookEvent is not null)
            {
                await EnqueueWebhookEventsAsync(connection, [.. rows.Select(webhookEvent)], ct);
            }

            return rows;
        }, cancellationToken);
    }

    public async Task<IReadOnlyList<Conflict>> ListConflictsAsync(long afterId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        await using var select = _dataSource.CreateCommand($"SELECT {ConflictColumns} FROM conflicts WHERE id > @after ORDER BY id LIMIT @limit")
            .With("after", afterId).With("limit", limit);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var list = new List<Conflict>();
        while (await reader.ReadAsync(cancellationToken))
        {
            list.Add(new Conflict(
                reader.GetString(1),
                new PassageRef(reader.GetString(2), reader.GetInt64(3), reader.GetString(4), reader.Time(5), reader.GetInt64(6)),
                new PassageRef(reader.GetString(7), reader.GetInt64(8), reader.GetString(9), reader.Time(10), reader.GetInt64(11)),
                reader.Time(12))
            {
                Id = reader.GetInt64(0),
                AcknowledgedAt = reader.NullableTime(13),
                AcknowledgedBy = reader.NullableString(14),
            });
        }

        return list;
    }

    public async Task<long> CountConflictsAsync(CancellationToken cancellationToken = default)
    {
        await using var count = _dataSource.CreateCommand("SELECT count(*) FROM conflicts");
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<bool> AcknowledgeConflictAsync(long id, string by, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(by);
        // The first acknowledgement stands; a second one still finds the conflict.
        await using var update = _dataSource.CreateCommand("""
            UPDATE conflicts SET
                acknowledged_by = CASE WHEN acknowledged_at IS NULL THEN @by ELSE acknowledged_by END,
                acknowledged_at = coalesce(acknowledged_at, @at)
            WHERE id = @id
            """).With("id", id).With("by", by).With("at", PostgresValues.Utc(at));
        return await update.ExecuteNonQueryAsync(cancellationToken) == 1;
    }
}
