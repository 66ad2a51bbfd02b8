using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Storage.Central;

namespace Venue.Storage.Sqlite.Central;

public sealed partial class SqliteCentralStore
{
    private const string CheckInColumns =
        "edge_id, seq, feed_id, hlc, gate, attendee, ticket_type, direction, reason, nonce, at_us, scanned_at_us, received_at_us, late";

    /// <summary>Stored sequences looked at per step when the contiguous position moves.</summary>
    private const int ContiguousWindow = 10_000;

    public Task<IngestResult> IngestAsync(
        string edgeId,
        IReadOnlyList<JournalEntry> entries,
        DateTimeOffset receivedAt,
        TimeSpan lateAfter,
        CancellationToken cancellationToken = default)
    {
        var ordered = CentralStoreRules.Entries(edgeId, entries);
        var received = SqliteValues.AsStored(receivedAt);
        return WriteAsync(transaction =>
        {
            var inserted = new List<StoredCheckIn>();
            var feedId = ReadCounter(_writer, transaction, "feed");
            using (var insert = _writer.Command($"""
                INSERT INTO checkins({CheckInColumns})
                VALUES ($edge, $seq, $feed, $hlc, $gate, $attendee, $ticket_type, $direction, $reason, $nonce, $at, $scanned_at, $received_at, $late)
                ON CONFLICT(edge_id, seq) DO NOTHING
                """, transaction))
            {
                var p = insert.Parameters;
                p.AddWithValue("$edge", edgeId);
                var seq = p.Add("$seq", SqliteType.Integer);
                var feed = p.Add("$feed", SqliteType.Integer);
                var hlc = p.Add("$hlc", SqliteType.Integer);
                var gate = p.Add("$gate", SqliteType.Text);
                var attendee = p.Add("$attendee", SqliteType.Text);
                var ticketType = p.Add("$ticket_type", SqliteType.Text);
                var direction = p.Add("$direction", SqliteType.Integer);
                var reason = p.Add("$reason", SqliteType.Integer);
                var nonce = p.Add("$nonce", SqliteType.Text);
                var at = p.Add("$at", SqliteType.Integer);
                var scannedAt = p.Add("$scanned_at", SqliteType.Integer);
                p.AddWithValue("$received_at", SqliteValues.Micros(received));
                var late = p.Add("$late", SqliteType.Integer);
                insert.Prepare();
                foreach (var e in ordered)
                {
                    // Feed ids follow the sequence order of the new entries; a duplicate takes none.
                    var isLate = CentralStoreRules.IsLate(receivedAt, e, lateAfter);
                    seq.Value = e.Sequence;
                    feed.Value = feedId + 1;
                    hlc.Value = e.Hlc;
                    gate.Value = e.GateId;
                    attendee.Value = (object?)e.AttendeeId ?? DBNull.Value;
                    ticketType.Value = (object?)e.TicketType ?? DBNull.Value;
                    direction.Value = (int)e.Direction;
                    reason.Value = (int)e.Reason;
                    nonce.Value = e.Nonce;
                    at.Value = SqliteValues.Micros(e.At);
                    scannedAt.Value = SqliteValues.Micros(e.ScannedAt);
                    late.Value = isLate ? 1 : 0;
                    if (insert.ExecuteNonQuery() == 1)
                    {
                        feedId++;
                        var stored = e with { At = SqliteValues.AsStored(e.At), ScannedAt = SqliteValues.AsStored(e.ScannedAt) };
                        inserted.Add(new StoredCheckIn(edgeId, stored, feedId, received, isLate));
                    }
                }
            }

            if (inserted.Count > 0)
            {
                using var advance = _writer.Command("UPDATE counters SET value = $v WHERE name = 'feed'", transaction).With("$v", feedId);
                advance.ExecuteNonQuery();
            }

            var contiguous = inserted.Count > 0 ? AdvanceContiguous(transaction, edgeId) : ReadContiguous(_writer, transaction, edgeId);
            return new IngestResult(inserted, entries.Count - inserted.Count, contiguous);
        }, cancellationToken);
    }

    /// <summary>
    /// Moves the edge's contiguous position over the stored sequences that now follow it without a
    /// gap. Only the run after the old position (and one row past it) is read, so each stored row is
    /// walked over once in its life, however long a gap before it stayed open.
    /// </summary>
    private long AdvanceContiguous(SqliteTransaction transaction, string edgeId)
    {
        var from = ReadContiguous(_writer, transaction, edgeId);
        var start = from;
        using var walk = _writer.Command("""
            SELECT count(*), max(seq) FROM (
                SELECT seq, row_number() OVER (ORDER BY seq) AS rn
                FROM (SELECT seq FROM checkins WHERE edge_id = $edge AND seq > $from ORDER BY seq LIMIT $window))
            WHERE seq = $from + rn
            """, transaction).With("$edge", edgeId).With("$window", ContiguousWindow);
        var fromParameter = walk.Parameters.Add("$from", SqliteType.Integer);
        while (true)
        {
            fromParameter.Value = from;
            using var reader = walk.ExecuteReader();
            reader.Read();
            var run = reader.GetInt64(0);
            if (run == 0)
            {
                break;
            }

            from = reader.GetInt64(1);
            if (run < ContiguousWindow)
            {
                break;
            }
        }

        if (from != start)
        {
            using var update = _writer.Command("""
                INSERT INTO edge_positions(edge_id, contiguous) VALUES ($edge, $c)
                ON CONFLICT(edge_id) DO UPDATE SET contiguous = excluded.contiguous
                """, transaction).With("$edge", edgeId).With("$c", from);
            update.ExecuteNonQuery();
        }

        return from;
    }

    private static long ReadContiguous(SqliteConnection connection, SqliteTransaction? transaction, string edgeId)
    {
        using var read = connection.Command("SELECT contiguous FROM edge_positions WHERE edge_id = $edge", transaction).With("$edge", edgeId);
        return read.ExecuteScalar() as long? ?? 0;
    }

    public Task<long> GetContiguousSequenceAsync(string edgeId, CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        return Task.FromResult(ReadContiguous(connection, null, edgeId));
    }

    public Task<StoredCheckIn?> GetCheckInAsync(string edgeId, long sequence, CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        using var select = connection.Command($"SELECT {CheckInColumns} FROM checkins WHERE edge_id = $edge AND seq = $seq")
            .With("$edge", edgeId).With("$seq", sequence);
        using var reader = select.ExecuteReader();
        return Task.FromResult(reader.Read() ? ReadCheckIn(reader) : null);
    }

    public Task<StoredCheckIn?> GetCheckInByFeedIdAsync(long feedId, CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        using var select = connection.Command($"SELECT {CheckInColumns} FROM checkins WHERE feed_id = $feed").With("$feed", feedId);
        using var reader = select.ExecuteReader();
        return Task.FromResult(reader.Read() ? ReadCheckIn(reader) : null);
    }

    public Task<IReadOnlyList<StoredCheckIn>> ReadCheckInsAsync(long afterFeedId, int limit, bool passagesOnly, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return Task.FromResult<IReadOnlyList<StoredCheckIn>>(ReadCheckIns(afterFeedId, long.MaxValue, limit, passagesOnly));
    }

    /// <summary>Pages of <see cref="PageSize"/> up to the feed id that was last when the stream began.</summary>
    public async IAsyncEnumerable<StoredCheckIn> StreamCheckInsAsync(long afterFeedId, bool passagesOnly, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var end = await GetLastFeedIdAsync(cancellationToken);
        var after = afterFeedId;
        while (after < end)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = ReadCheckIns(after, end, PageSize, passagesOnly);
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

    private List<StoredCheckIn> ReadCheckIns(long after, long upTo, int limit, bool passagesOnly)
    {
        using var connection = OpenReader();
        using var select = connection.Command($"""
            SELECT {CheckInColumns} FROM checkins
            WHERE feed_id > $after AND feed_id <= $upTo {(passagesOnly ? "AND reason IN ($admitted, $exited, $notInside)" : "")}
            ORDER BY feed_id LIMIT $limit
            """)
            .With("$after", after).With("$upTo", upTo).With("$limit", limit)
            .With("$admitted", (int)ScanReason.Admitted).With("$exited", (int)ScanReason.Exited).With("$notInside", (int)ScanReason.NotInside);
        using var reader = select.ExecuteReader();
        var page = new List<StoredCheckIn>();
        while (reader.Read())
        {
            page.Add(ReadCheckIn(reader));
        }

        return page;
    }

    private static StoredCheckIn ReadCheckIn(SqliteDataReader r) =>
        new(
            r.GetString(0),
            new JournalEntry(
                r.GetString(4),
                r.NullableString(5),
                (ScanDirection)r.GetInt32(7),
                (ScanReason)r.GetInt32(8),
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
            r.GetInt64(13) != 0);

    public Task<long> GetLastFeedIdAsync(CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        return Task.FromResult(ReadCounter(connection, null, "feed"));
    }

    public Task<CheckInTotals> GetTotalsAsync(CancellationToken cancellationToken = default)
    {
        using var connection = OpenReader();
        using var transaction = connection.BeginTransaction(deferred: true);
        long entries, late;
        using (var all = connection.Command("SELECT count(*), coalesce(sum(late), 0) FROM checkins", transaction))
        using (var reader = all.ExecuteReader())
        {
            reader.Read();
            entries = reader.GetInt64(0);
            late = reader.GetInt64(1);
        }

        var byReason = new Dictionary<ScanReason, long>();
        using (var group = connection.Command("SELECT reason, count(*) FROM checkins GROUP BY reason", transaction))
        using (var reader = group.ExecuteReader())
        {
            while (reader.Read())
            {
                byReason[(ScanReason)reader.GetInt32(0)] = reader.GetInt64(1);
            }
        }

        var byEdge = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var group = connection.Command("SELECT edge_id, count(*) FROM checkins GROUP BY edge_id", transaction))
        using (var reader = group.ExecuteReader())
        {
            while (reader.Read())
            {
                byEdge[reader.GetString(0)] = reader.GetInt64(1);
            }
        }

        return Task.FromResult(new CheckInTotals(entries, late, byReason, byEdge));
    }
}
