using System.Diagnostics;
using Npgsql;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Storage.Postgres;
using Venue.Testing.Postgres;
using Xunit.Abstractions;

namespace Venue.Storage.Tests.Central;

/// <summary>
/// What the PostgreSQL store must handle at volume: many edges' full batches, and long streams in flat
/// memory. The memory test measures the process-wide heap, so the class runs alone
/// (<see cref="PostgresAloneCollection"/>). How fast it goes is measured in benchmarks/, not here.
/// </summary>
[Collection(PostgresAloneCollection.Name)]
public sealed class PostgresCentralStoreLoadTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private static readonly DateTimeOffset T0 = new(2030, 6, 1, 9, 0, 0, TimeSpan.Zero);

    /// <summary>Reports the rate for curiosity; the figure that counts comes from benchmarks/Venue.SyncBench.</summary>
    [Fact]
    public async Task Full_batches_from_several_edges_are_ingested_whole_in_feed_order()
    {
        if (!postgres.Met(output)) return;
        const int batchSize = 2_000, edges = 4, batchesPerEdge = 12;
        await using var store = PostgresCentralStore.Create(await PostgresSchemas.CreateAsync(await postgres.DatabaseAsync("central_load")), TimeProvider.System);
        await store.MigrateAsync();
        var batches = Enumerable.Range(0, edges)
            .SelectMany(edge => Enumerable.Range(0, batchesPerEdge).Select(b => (Edge: $"edge-{edge}", Entries: Batch(1 + (b * batchSize), batchSize))))
            .ToList();
        await store.IngestAsync("warm-up", Batch(1, batchSize), T0, TimeSpan.FromMinutes(5));

        // One uploader at a time, as central handles an edge's batch.
        var clock = Stopwatch.StartNew();
        var results = new List<IngestResult>();
        foreach (var (edge, entries) in batches)
        {
            results.Add(await store.IngestAsync(edge, entries, T0.AddMinutes(1), TimeSpan.FromMinutes(5)));
        }

        clock.Stop();
        var total = batches.Sum(b => b.Entries.Count);
        output.WriteLine($"Ingested {total:N0} entries in {batches.Count} batches of {batchSize:N0} in {clock.Elapsed.TotalSeconds:F2} s: " +
            $"{total / clock.Elapsed.TotalSeconds:N0} entries/s ({Environment.ProcessorCount} cores; not a measurement, see benchmarks/).");

        Assert.All(results, r => Assert.Equal((batchSize, 0), (r.Inserted.Count, r.Duplicates)));
        // Feed ids are handed out without gaps, in the order the batches came.
        Assert.Equal(Enumerable.Range(batchSize + 1, total).Select(i => (long)i), results.SelectMany(r => r.Inserted).Select(c => c.FeedId));
        Assert.Equal(total + batchSize, await store.GetLastFeedIdAsync());
        for (var edge = 0; edge < edges; edge++)
        {
            Assert.Equal(batchesPerEdge * batchSize, await store.GetContiguousSequenceAsync($"edge-{edge}"));
        }
    }

    [Fact]
    public async Task Streaming_check_ins_keeps_memory_flat_however_many_rows_there_are()
    {
        if (!postgres.Met(output)) return;
        // Enough that holding them all would show (about 40 MB); the store holds 1,000 at a time.
        const int rows = 100_000;
        var connectionString = await PostgresSchemas.CreateAsync(await postgres.DatabaseAsync("central_load"));
        await using var store = PostgresCentralStore.Create(connectionString, TimeProvider.System);
        await store.MigrateAsync();
        await FillCheckInsAsync(connectionString, rows);

        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var peak = baseline;
        long count = 0, last = 0;
        await foreach (var checkIn in store.StreamCheckInsAsync(0, passagesOnly: false))
        {
            Assert.True(checkIn.FeedId > last);
            last = checkIn.FeedId;
            if (++count % 10_000 == 0)
            {
                // Live memory only: garbage awaiting a collection says nothing about what the stream holds.
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: true));
            }
        }

        output.WriteLine($"Streamed {count:N0} rows; live managed memory {baseline / 1e6:F1} MB before, at most {peak / 1e6:F1} MB during.");
        Assert.Equal(rows, count);
        Assert.True(peak - baseline < 10_000_000, $"Live memory grew by {(peak - baseline) / 1e6:F0} MB while streaming.");
    }

    /// <summary>Writes rows straight into the table (much faster than uploads), as a year of events would leave them.</summary>
    private static async Task FillCheckInsAsync(string connectionString, int rows)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var fill = new NpgsqlCommand($"""
            INSERT INTO checkins(edge_id, seq, feed_id, hlc, gate, attendee, ticket_type, direction, reason, nonce, at, scanned_at, received_at, late)
            SELECT 'edge-' || (i % 4), i, i, i, 'north-1', 'a' || i, 'standard', 0, 0, 'n' || i,
                   timestamptz '2030-06-01 09:00Z' + i * interval '1 ms', timestamptz '2030-06-01 09:00Z' + i * interval '1 ms',
                   timestamptz '2030-06-01 10:00Z', false
            FROM generate_series(1, {rows}) AS i;
            UPDATE counters SET value = {rows} WHERE name = 'feed';
            """, connection) { CommandTimeout = 300 };
        await fill.ExecuteNonQueryAsync();
    }

    private static List<JournalEntry> Batch(long from, int count) =>
        [.. Enumerable.Range(0, count).Select(i => from + i).Select(seq => new JournalEntry(
            "north-1", $"a{seq % 50_000}", ScanDirection.Entry, seq % 11 == 0 ? ScanReason.AlreadyInside : ScanReason.Admitted,
            $"n-{seq}", T0.AddMilliseconds(seq), T0.AddMilliseconds(seq))
        {
            Sequence = seq,
            Hlc = 1_000_000 + seq,
            TicketType = "standard",
        })];
}
