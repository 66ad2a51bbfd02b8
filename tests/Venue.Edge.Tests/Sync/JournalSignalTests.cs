using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Tests.Sync;

/// <summary>The two things the uplink needs from the journal: a wait for the next commit, and a clock that observes other edges.</summary>
public sealed class JournalSignalTests : IDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly ManualTimeProvider _time = new();

    public void Dispose() => _directory.Dispose();

    private SqliteCheckInJournal Open() => SqliteCheckInJournal.Open(_directory.File("journal.db"), _time);

    private JournalEntry Entry(string nonce) => new("G01", "A-1", ScanDirection.Entry, ScanReason.Admitted, nonce, _time.GetUtcNow(), _time.GetUtcNow());

    [Fact]
    public async Task Waiting_for_an_append_completes_on_the_next_commit_and_not_before()
    {
        using var journal = Open();
        await journal.AppendAsync(Entry("n-1")).WithTimeout("the first append");

        var waiting = journal.WaitForAppendAsync(afterSequence: 1);
        var pendingBefore = waiting.IsCompleted;
        await journal.AppendAsync(Entry("n-2")).WithTimeout("the second append");
        await waiting.WithTimeout("the wait to end with the second commit");

        Assert.False(pendingBefore, "nothing after sequence 1 was committed yet");
    }

    [Fact]
    public async Task Waiting_for_a_sequence_already_passed_completes_at_once()
    {
        using var journal = Open();
        await journal.AppendAsync(Entry("n-1")).WithTimeout("the append");

        Assert.True(journal.WaitForAppendAsync(afterSequence: 0).IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Disposing_the_journal_ends_a_wait()
    {
        var journal = Open();
        var waiting = journal.WaitForAppendAsync(afterSequence: 0);

        journal.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => waiting.WithTimeout("the wait to end on dispose"));
    }

    [Fact]
    public async Task Entries_appended_after_an_observed_clock_reading_are_stamped_later()
    {
        using var journal = Open();
        var local = await journal.AppendAsync(Entry("n-1")).WithTimeout("the first append");
        var remote = local.Hlc + (3_600_000L << 16); // another edge an hour ahead

        journal.ObserveHlc(remote);
        journal.ObserveHlc(remote - 5); // an older reading changes nothing
        var next = await journal.AppendAsync(Entry("n-2")).WithTimeout("the append after observing");

        Assert.Equal(remote + 1, next.Hlc);
    }
}
