using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;
using Venue.Central.Integrator;
using Venue.Domain.Central;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;

namespace Venue.Central.Tests.Integrator;

/// <summary>
/// The export writer alone, fed a million rows by a stand-in store: the heap must not grow with the
/// row count. The live heap is process-wide, so these run alone (<see cref="AloneCollection"/>).
/// </summary>
[Collection(AloneCollection.Name)]
public sealed class CheckInExportMemoryTests(ITestOutputHelper output)
{
    private const int Rows = 1_000_000;

    [Theory]
    [InlineData(ExportFormat.Json)]
    [InlineData(ExportFormat.Csv)]
    public async Task A_million_rows_stream_through_in_flat_memory(ExportFormat format)
    {
        var store = new SyntheticCheckIns(Rows);
        var sink = new CountingStream();
        var context = new DefaultHttpContext();
        context.Response.Body = sink;

        await new CheckInExport(store, after: 0, limit: null, passagesOnly: false, format).ExecuteAsync(context);

        Assert.Equal(Rows, store.Yielded);
        Assert.True(sink.Length > Rows * 100L, $"{sink.Length:N0} bytes written");
        var growth = store.HeapSamples.Max() - store.HeapSamples.Min();
        output.WriteLine($"{format}: {sink.Length:N0} bytes; live heap samples {string.Join(", ", store.HeapSamples.Select(h => $"{h / 1024:N0} KiB"))}");
        Assert.True(growth < 8 << 20, $"the live heap grew by {growth:N0} bytes over {Rows:N0} rows");
    }

    /// <summary>Yields rows one at a time, as a database reader does, and samples the live heap every 250,000.</summary>
    private sealed class SyntheticCheckIns(int count) : ICheckInStore
    {
        private static readonly DateTimeOffset At = new(2030, 6, 1, 9, 0, 0, TimeSpan.Zero);

        public int Yielded { get; private set; }

        public List<long> HeapSamples { get; } = [];

        public async IAsyncEnumerable<StoredCheckIn> StreamCheckInsAsync(long afterFeedId, bool passagesOnly, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            for (var i = 1; i <= count; i++)
            {
                if (i % 250_000 == 1)
                {
                    HeapSamples.Add(GC.GetTotalMemory(forceFullCollection: true));
                    await Task.Yield();
                }

                Yielded++;
                var entry = new JournalEntry("G01", $"A{i:D7}", ScanDirection.Entry, ScanReason.Admitted, $"lane3-{i}", At.AddMilliseconds(i), At.AddMilliseconds(i))
                {
                    Sequence = i,
                    Hlc = i,
                    TicketType = "general",
                };
                yield return new StoredCheckIn("north", entry, i, At.AddMilliseconds(i + 5), false);
            }

            HeapSamples.Add(GC.GetTotalMemory(forceFullCollection: true));
        }

        public Task<long> GetLastFeedIdAsync(CancellationToken cancellationToken = default) => Task.FromResult((long)count);

        public Task<IngestResult> IngestAsync(string edgeId, IReadOnlyList<JournalEntry> entries, DateTimeOffset receivedAt, TimeSpan lateAfter, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<long> GetContiguousSequenceAsync(string edgeId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StoredCheckIn?> GetCheckInAsync(string edgeId, long sequence, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<StoredCheckIn?> GetCheckInByFeedIdAsync(long feedId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<IReadOnlyList<StoredCheckIn>> ReadCheckInsAsync(long afterFeedId, int limit, bool passagesOnly, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<CheckInTotals> GetTotalsAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    /// <summary>A response body that only counts what it is given.</summary>
    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            _length += count;
            return Task.CompletedTask;
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}

/// <summary>Tests that measure the whole process run after the others, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AloneCollection
{
    public const string Name = "Integrator: measured alone";
}
