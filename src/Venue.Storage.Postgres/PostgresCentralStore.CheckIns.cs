using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Storage.Central;

namespace Venue.Storage.Postgres;

public sealed partial class PostgresCentralStore
{
    private const long MaxWindow = 100_000;

    private const string CheckInColumns =
        "edge_id, seq, feed_id, hlc, gate, attendee, ticket_type, direction, reason, nonce, at, scanned_at, received_at, late";

    /// <summary>
    /// Inserts what is new with its feed ids. The feed counter's row is locked first (its own
    /// statement, so the next ones read with a snapshot taken after the lock: they see every entry
    /// committed by whoever held it, and no one else inserts check-ins meanwhile). New entries are
    /// those not yet stored; they are numbered in sequence order from the counter, which then moves
    /// to the last number given. No ON CONFLICT: under the lock the NOT EXISTS is exact, and a
    /// speculative insert costs an extra WAL record per row. The sequence range bounds the look-up
    /// of what is stored to the upload's own slice of the edge's history, whatever plan is chosen.
    /// </summary>
    private const string InsertNew = $"""
        WITH fresh AS (
            SELECT u.*, row_number() OVER (ORDER BY u.seq) AS rn
            FROM unnest(@seq, @hlc, @gate, @attendee, @ticket_type, @direction, @reason, @nonce, @at, @scanned_at, @late)
                 AS u(seq, hlc, gate, attendee, ticket_type, direction, reason, nonce, at, scanned_at, late)
            WHERE NOT EXISTS (SELECT 1 FROM checkins c WHERE c.edge_id = @edge AND c.seq = u.seq AND c.seq BETWEEN @first AND @last)
        ),
        inserted AS (
            INSERT INTO checkins({CheckInColumns})
            SELECT @edge, f.seq, (SELECT value FROM counters WHERE name = 'feed') + f.rn, f.hlc, f.gate, f.attendee,
                   f.ticket_type, f.direction, f.reason, f.nonce, f.at, f.scanned_at, @received_at, f.late
            FROM fresh f
            RETURNING seq, feed_id
        ),
        moved AS (
            UPDATE counters SET value = coalesce((SELECT max(feed_id) FROM inserted), value) WHERE name = 'feed'
        )
        SELECT seq, feed_id FROM inserted
        """;

    /// <summary>
    /// Moves the edge's contiguous position over the stored sequences that follow it without a gap:
    /// reads only when the next sequence is now held, and then at most a window of rows after the
    /// position, so each stored row is walked over about once in its life however long a gap stayed
    /// open. Returns the position and the run length found (equal to the window: look again).
    /// </summary>
    private const string AdvanceContiguous = """
        WITH cur AS (SELECT contiguous AS c FROM edge_positions WHERE edge_id = @edge),
        run AS (
            SELECT count(*) AS n, max(w.seq) AS top
            FROM cur, LATERAL (
                SELECT x.seq, row_number() OVER (ORDER BY x.seq) AS rn
                FROM (SELECT seq FROM checkins
                      WHERE edge_id = @edge AND seq > cur.c
                        AND EXISTS (SELECT 1 FROM checkins n WHERE n.edge_id = @edge AND n.seq = cur.c + 1)
                      ORDER BY seq LIMIT @window) x
            ) w
            WHERE w.seq = cur.c + w.rn
        )
        UPDATE edge_positions p SET contiguous = coalesce(run.top, p.contiguous)
        FROM run WHERE p.edge_id = @edge
        RETURNING p.contiguous, run.n
        """;

    public Task<IngestResult> IngestAsync(
        string edgeId,
        IReadOnlyList<JournalEntry> entries,
        DateTimeOffset receivedAt,
        TimeSpan lateAfter,
        CancellationToken cancellationToken = default)
    {
        var ordered = CentralStoreRules.Entries(edgeId, entries);
        var received = PostgresValues.AsStored(receivedAt);
        if (ordered.Count == 0)
        {
            return ReadIngestPositionAsync(edgeId, entries.Count, cancellationToken);
        }

        var late = ordered.Select(e => CentralStoreRules.IsLate(receivedAt, e, lateAfter)).ToArray();
        return InTransactionAsync(async (connection, ct) =>
        {
            await EnsureStillClaimedAsync(connection, ct);
            // The window grows with the upload: an in-order batch is walked in one read of its own size.
            var window = (long)Math.Clamp(ordered.Count + 1, 1024, MaxWindow);
            var numbered = new Dictionary<long, long>(ordered.Count);
            long contiguous, run;
            await using (var batch = new NpgsqlBatch(connection))
            {
                batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT value FROM counters WHERE name = 'feed' FOR UPDATE"));
                batch.BatchCommands.Add(new NpgsqlBatchCommand(InsertNew)
                    .With("edge", edgeId)
                    .With("first", ordered[0].Sequence)
                    .With("last", ordered[^1].Sequence)
                    .With("received_at", PostgresValues.Utc(received))
                    .With("seq", NpgsqlDbType.Array | NpgsqlDbType.Bigint, ordered.Select(e => e.Sequence).ToArray())
                    .With("hlc", NpgsqlDbType.Array | NpgsqlDbType.Bigint, ordered.Select(e => e.Hlc).ToArray())
                    .With("gate", NpgsqlDbType.Array | NpgsqlDbType.Text, ordered.Select(e => e.GateId).ToArray())
                    .With("attendee", NpgsqlDbType.Array | NpgsqlDbType.Text, ordered.Select(e => e.AttendeeId).ToArray())
                    .With("ticket_type", NpgsqlDbType.Array | NpgsqlDbType.Text, ordered.Select(e => e.TicketType).ToArray())
                    .With("direction", NpgsqlDbType.Array | NpgsqlDbType.Smallint, ordered.Select(e => (short)e.Direction).ToArray())
                    .With("reason", NpgsqlDbType.Array | NpgsqlDbType.Smallint, ordered.Select(e => (short)e.Reason).ToArray())
                    .With("nonce", NpgsqlDbType.Array | NpgsqlDbType.Text, ordered.Select(e => e.Nonce).ToArray())
                    .With("at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, ordered.Select(e => PostgresValues.Utc(e.At)).ToArray())
                    .With("scanned_at", NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, ordered.Select(e => PostgresValues.Utc(e.ScannedAt)).ToArray())
                    .With("late", NpgsqlDbType.Array | NpgsqlDbType.Boolean, late));
                batch.BatchCommands.Add(new NpgsqlBatchCommand("INSERT INTO edge_positions(edge_id, contiguous) VALUES (@edge, 0) ON CONFLICT (edge_id) DO NOTHING")
                    .With("edge", edgeId));
                batch.BatchCommands.Add(new NpgsqlBatchCommand(AdvanceContiguous).With("edge", edgeId).With("window", window));

                // Not prepared: a cached generic plan, made while the table was small, hash-joined the
                // whole edge's history on every upload; planning with the real arrays costs a millisecond.
                await using var reader = await batch.ExecuteReaderAsync(ct);
                await reader.NextResultAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    numbered[reader.GetInt64(0)] = reader.GetInt64(1);
                }

                // The position insert returns no rows, so Npgsql has no result set for it.
                await reader.NextResultAsync(ct);
                await reader.ReadAsync(ct);
                contiguous = reader.GetInt64(0);
                run = reader.GetInt64(1);
            }

            while (run == window)
            {
                // A long run stored behind a gap this upload filled: walk on from where the window ended.
                window = Math.Min(window * 2, MaxWindow);
                await using var more = new NpgsqlCommand(AdvanceContiguous, connection).With("edge", edgeId).With("window", window);
                await using var reader = await more.ExecuteReaderAsync(ct);
                await reader.ReadAsync(ct);
                contiguous = reader.GetInt64(0);
                run = reader.GetInt64(1);
            }

            var inserted = new List<StoredCheckIn>(numbered.Count);
            for (var i = 0; i < ordered.Count; i++)
            {
                var e = ordered[i];
                if (numbered.TryGetValue(e.Sequence, out var feedId))
                {
                    var stored = e with { At = PostgresValues.AsStored(e.At), ScannedAt = PostgresValues.AsStored(e.ScannedAt) };
                    inserted.Add(new StoredCheckIn(edgeId, stored, feedId, received, late[i]));
                }
            }

            return new IngestResult(inserted, entries.Count - inserted.Count, contiguous);
        }, cancellationToken);
    }

    private async Task<IngestResult> ReadIngestPositionAsync(string edgeId, int duplicates, CancellationToken cancellationToken) =>
        new([], duplicates, await GetContiguousSequenceAsync(edgeId, cancellationToken));

    public async Task<long> GetContiguousSequenceAsync(string edgeId, CancellationToken cancellationToken = default)
    {
        await using var read = _dataSource.CreateCommand("SELECT contiguous FROM edge_positions WHERE edge_id = @edge").With("edge", edgeId);
        return await read.ExecuteScalarAsync(cancellationToken) as long? ?? 0;
    }

    public async Task<StoredCheckIn?> GetCheckInAsync(string edgeId, long sequence, CancellationToken cancellationToken = default)
    {
        await using var select = _dataSource.CreateCommand($"SELECT {CheckInColumns} FROM checkins WHERE edge_id = @edge AND seq = @seq")
            .With("edge", edgeId).With("seq", sequence);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadCheckIn(reader) : null;
    }

    public async Task<StoredCheckIn?> GetCheckInByFeedIdAsync(long feedId, CancellationToken cancellationToken = default)
    {
        await using var select = _dataSource.CreateCommand($"SELECT {CheckInColumns} FROM checkins WHERE feed_id = @feed").With("feed", feedId);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadCheckIn(reader) : null;
    }

    public async Task<IReadOnlyList<StoredCheckIn>> ReadCheckInsAsync(long afterFeedId, int limit, bool passagesOnly, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return await ReadCheckInsAsync(afterFeedId, long.MaxValue, limit, passagesOnly, cancellationToken);
    }

    /// <summary>Keyset pages of <see cref="PageSize"/>, up to the feed id that was last when the stream began.</summary>
    public async IAsyncEnumerable<StoredCheckIn> StreamCheckInsAsync(long afterFeedId, bool passagesOnly, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var end = await GetLastFeedIdAsync(cancellationToken);
        var after = afterFeedId;
        while (after < end)
        {
            var page = await ReadCheckInsAsync(after, end, PageSize, passagesOnly, cancellationToken);
            if (page.Count == 0)
            {
                yield break;
            }

            foreach (var checkIn in page)
            {
                yield return checkIn;
            }

            after = page[^1].FeedId;
        }
    }

    private async Task<List<StoredCheckIn>> ReadCheckInsAsync(long after, long upTo, int limit, bool passagesOnly, CancellationToken cancellationToken)
    {
        await using var select = _dataSource.CreateCommand($"""
            SELECT {CheckInColumns} FROM checkins
            WHERE feed_id > @after AND feed_id <= @up_to {(passagesOnly ? "AND reason IN (@admitted, @exited, @not_inside)" : "")}
            ORDER BY feed_id LIMIT @limit
            """)
            .With("after", after).With("up_to", upTo).With("limit", limit)
            .With("admitted", (short)ScanReason.Admitted).With("exited", (short)ScanReason.Exited).With("not_inside", (short)ScanReason.NotInside);
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        var page = new List<StoredCheckIn>(Math.Min(limit, PageSize));
        while (await reader.ReadAsync(cancellationToken))
        {
            page.Add(ReadCheckIn(reader));
        }

        return page;
    }

    private static StoredCheckIn ReadCheckIn(NpgsqlDataReader r) =>
        new(
            r.GetString(0),
            new JournalEntry(
                r.GetString(4),
                r.NullableString(5),
                (ScanDirection)r.GetInt16(7),
                (ScanReason)r.GetInt16(8),
                r.GetString(9),
                r.Time(11),
                r.Time(10))
            {
                Sequence = r.GetInt64(1),
                Hlc = r.GetInt64(3),
                TicketType = r.NullableString(6),
            },
            r.GetInt64(2),
            r.Time(12),
            r.GetBoolean(13));

    public Task<long> GetLastFeedIdAsync(CancellationToken cancellationToken = default) => ReadCounterAsync("feed", cancellationToken);

    public async Task<CheckInTotals> GetTotalsAsync(CancellationToken cancellationToken = default)
    {
        // One pass over the table, so the three views of it agree.
        await using var group = _dataSource.CreateCommand("SELECT edge_id, reason, count(*), count(*) FILTER (WHERE late) FROM checkins GROUP BY edge_id, reason");
        await using var reader = await group.ExecuteReaderAsync(cancellationToken);
        long entries = 0, late = 0;
        var byReason = new Dictionary<ScanReason, long>();
        var byEdge = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            var count = reader.GetInt64(2);
            entries += count;
            late += reader.GetInt64(3);
            var reason = (ScanReason)reader.GetInt16(1);
            byReason[reason] = byReason.GetValueOrDefault(reason) + count;
            byEdge[reader.GetString(0)] = byEdge.GetValueOrDefault(reader.GetString(0)) + count;
        }

        return new CheckInTotals(entries, late, byReason, byEdge);
    }
}
