using Venue.Domain.Journal;

namespace Venue.Benchmarks.CheckIn;

/// <summary>
/// Benchmark fixture: numbers entries and completes at once, nothing stored. Used to time the
/// grains' decision apart from the disk; the durable path is measured by JournalAppendBenchmark and
/// by the load harness.
/// </summary>
internal sealed class InMemoryJournal : ICheckInJournal
{
    private long _sequence;

    public Task<JournalEntry> AppendAsync(JournalEntry entry, CancellationToken cancellationToken = default) =>
        Task.FromResult(entry with { Sequence = Interlocked.Increment(ref _sequence) });
}
