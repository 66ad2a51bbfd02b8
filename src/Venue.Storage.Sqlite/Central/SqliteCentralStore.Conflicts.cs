using Microsoft.Data.Sqlite;
using Venue.Domain.Central;
using Venue.Storage.Central;

namespace Venue.Storage.Sqlite.Central;

public sealed partial class SqliteCentralStore
{
    private const string ConflictColumns = """
        id, attendee_id, first_edge, first_seq, first_gate, first_at_us, first_hlc,
        second_edge, second_seq, second_gate, second_at_us, second_hlc, detected_at_us, acknowledged_at_us, acknowledged_by
        """;

    public Task<IReadOnlyList<Conflict>> ReplaceConflictsAsync(string attendeeId, IReadOnlyList<Conflict> current, Func<Conflict, WebhookEvent>? webhookEvent = null,
        CancellationToken cancellationToken = default)
    {
        var wanted = CentralStoreRules.Conflicts(attendeeId, current);
        return WriteAsync<IReadOnlyList<Conflict>>(transaction =>
        {
            var stored = new Dictionary<string, long>(StringComparer.Ordinal);
            using (var select = _writer.Command("SELECT id, second_edge, second_seq FROM conflicts WHERE attendee_id = $a", transaction).With("$a", attendeeId))
            using (var reader = select.ExecuteReader())
            {
                while (reader.Read())
                {
                    stored[$"{attendeeId}/{reader.GetString(1)}/{reader.GetInt64(2)}"] = reader.GetInt64(0);
                }
            }

            var keep = wanted.Select(c => c.Key).ToHashSet(StringComparer.Ordinal);
            using (var delete = _writer.Command("DELETE FROM conflicts WHERE id = $id", transaction))
            {
                var id = delete.Parameters.Add("$id", SqliteType.Integer);
                foreach (var gone in stored.Where(s => !keep.Contains(s.Key)))
                {
                    id.Value = gone.Value;
                    delete.ExecuteNonQuery();
                }
            }

            var added = wanted.Where(c => !stored.ContainsKey(c.Key)).ToList();
            if (added.Count == 0)
            {
                return [];
            }

            // Ids come from a counter, never reused after a delete, so "after id" cursors stay true.
            var next = TakeNumbers(transaction, "conflict", added.Count);
            var result = new List<Conflict>(added.Count);
            using var insert = _writer.Command($"""
                INSERT INTO conflicts({ConflictColumns})
                VALUES ($id, $a, $fe, $fs, $fg, $fat, $fh, $se, $ss, $sg, $sat, $sh, $detected, NULL, NULL)
                """, transaction);
            foreach (var c in added)
            {
                var row = c with
                {
                    Id = next++,
                    First = c.First with { At = SqliteValues.AsStored(c.First.At) },
                    Second = c.Second with { At = SqliteValues.AsStored(c.Second.At) },
                    DetectedAt = SqliteValues.AsStored(c.DetectedAt),
                    AcknowledgedAt = null,
                    AcknowledgedBy = null,
                };
                insert.Parameters.Clear();
                insert.With("$id", row.Id).With("$a", attendeeId)
                    .With("$fe", row.First.EdgeId).With("$fs", row.First.Sequence).With("$fg", row.First.GateId)
                    .With("$fat", SqliteValues.Micros(row.First.At)).With("$fh", row.First.Hlc)
                    .With("$se", row.Second.EdgeId).With("$ss", row.Second.Sequence).With("$sg", row.Second.GateId)
                    .With("$sat", SqliteValues.Micros(row.Second.At)).With("$sh", row.Second.Hlc)
                    .With("$detected", SqliteValues.Micros(row.DetectedAt));
                insert.ExecuteNonQuery();
                result.Add(row);
            }

            if (webhookEvent is not null)
            {
                EnqueueWebhookEvents(transaction, [.. result.Select(webhookEvent)]);
            }

            return result;
        }, cancellationToken);
    }

    public Task<IReadOnlyList<Conflict>> ListConflictsAsync(long afterId, int limit, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        using var connection = OpenReader();
        using var select = connection.Command($"SELECT {ConflictColumns} FROM conflicts WHERE id > $after ORDER BY id LIMIT $limit")
            .With("$after", afterId).With("$limit", limit);
        using var reader = select.ExecuteReader();
        var list = new List<Conflict>();
        while (reader.Read())
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

        return Task.FromResult<IReadOnlyList<Conflict>>(list);
    }

    public Task<long> CountConflictsAsync(CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        using var count = connection.Command("SELECT count(*) FROM conflicts");
        return Task.FromResult((long)count.ExecuteScalar()!);
    }

    public Task<bool> AcknowledgeConflictAsync(long id, string by, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(by);
        return WriteAsync(transaction =>
        {
            // The first acknowledgement stands; a second one still finds the conflict.
            using var update = _writer.Command("""
                UPDATE conflicts SET
                    acknowledged_by = CASE WHEN acknowledged_at_us IS NULL THEN $by ELSE acknowledged_by END,
                    acknowledged_at_us = coalesce(acknowledged_at_us, $at)
                WHERE id = $id
                """, transaction).With("$id", id).With("$by", by).With("$at", SqliteValues.Micros(at));
            return update.ExecuteNonQuery() == 1;
        }, cancellationToken);
    }
}
