using BenchmarkDotNet.Attributes;
using Venue.Domain.Readers;
using Venue.Storage.Sqlite;

namespace Venue.Benchmarks.Readers;

/// <summary>
/// Durable appends of RFID read batches to the read journal (SQLite WAL, synchronous=FULL, group
/// commit, dedup on (reader, event number)): batches of 1, 50 and 500 reads, from one caller
/// awaiting each batch and from four callers at once. Reported per read: reads/s = 1e9 / Mean(ns).
/// Building the reads is counted too (a TagRead per read), as the ingestion pipeline pays it as well.
/// </summary>
[MemoryDiagnoser]
public class ReadJournalAppendBenchmark
{
    private const int ReadsPerInvoke = 2000;
    private static readonly DateTimeOffset ReadAt = DateTimeOffset.UnixEpoch.AddSeconds(1_900_000_000);
    private static readonly string[] Epcs = [.. Enumerable.Range(0, 4096).Select(i => $"E28011606000020{i:X9}")];
    private DirectoryInfo _directory = null!;
    private SqliteReadJournal _journal = null!;
    private Task[] _callers = null!;
    private long _eventNum;

    [Params(1, 50, 500)]
    public int BatchSize { get; set; }

    [Params(1, 4)]
    public int Callers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("venue-reads-bench-");
        _journal = SqliteReadJournal.Open(Path.Combine(_directory.FullName, "telemetry.db"), TimeProvider.System);
        _callers = new Task[Callers];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _journal.Dispose();
        _directory.Delete(recursive: true);
    }

    [Benchmark(OperationsPerInvoke = ReadsPerInvoke)]
    public Task AppendBatches()
    {
        for (var caller = 0; caller < Callers; caller++)
        {
            _callers[caller] = Caller($"portal-{caller}", ReadsPerInvoke / Callers / BatchSize);
        }

        return Task.WhenAll(_callers);
    }

    private async Task Caller(string reader, int batches)
    {
        var batch = new TagRead[BatchSize];
        for (var b = 0; b < batches; b++)
        {
            for (var i = 0; i < batch.Length; i++)
            {
                var eventNum = Interlocked.Increment(ref _eventNum);
                batch[i] = new TagRead(reader, eventNum, Epcs[eventNum & 4095], 1 + (int)(eventNum & 1), -58.5, ReadAt);
            }

            // The batch array is reused once its append has completed, as a consumer's buffer would be.
            var result = await _journal.AppendReadsAsync(batch);
            if (result.Duplicates != 0)
            {
                throw new InvalidOperationException("Fresh reads came back as duplicates.");
            }
        }
    }
}
