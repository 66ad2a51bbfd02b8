using BenchmarkDotNet.Attributes;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Storage.Sqlite;

namespace Venue.Benchmarks.Journal;

/// <summary>
/// A durable append to the edge journal (SQLite WAL, synchronous=FULL, group commit): one append
/// awaited alone (a whole disk sync for one entry), and 64 appends in flight at once, which the
/// writer commits together (reported per entry).
/// </summary>
[MemoryDiagnoser]
public class JournalAppendBenchmark
{
    private const int Concurrent = 64;
    private DirectoryInfo _directory = null!;
    private SqliteCheckInJournal _journal = null!;
    private readonly Task<JournalEntry>[] _inFlight = new Task<JournalEntry>[Concurrent];
    private long _nonce;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Directory.CreateTempSubdirectory("venue-journal-bench-");
        _journal = SqliteCheckInJournal.Open(Path.Combine(_directory.FullName, "journal.db"), TimeProvider.System);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _journal.Dispose();
        _directory.Delete(recursive: true);
    }

    [Benchmark(Baseline = true)]
    public Task<JournalEntry> OneAppend() => _journal.AppendAsync(Entry());

    [Benchmark(OperationsPerInvoke = Concurrent)]
    public async Task SixtyFourConcurrentAppends()
    {
        for (var i = 0; i < Concurrent; i++)
        {
            _inFlight[i] = _journal.AppendAsync(Entry());
        }

        await Task.WhenAll(_inFlight);
    }

    private JournalEntry Entry()
    {
        var now = DateTimeOffset.UtcNow;
        var nonce = Interlocked.Increment(ref _nonce);
        return new JournalEntry("north-1", $"A{nonce % 100_000:D7}", ScanDirection.Entry, ScanReason.Admitted,
            nonce.ToString(System.Globalization.CultureInfo.InvariantCulture), now, now);
    }
}
