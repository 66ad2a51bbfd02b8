using Venue.Central.Sync;
using Venue.Central.Webhooks;
using Venue.Domain.CheckIn;
using Venue.Domain.Central;
using Venue.Domain.Journal;
using Venue.Domain.Reconciliation;
using Venue.Runtime;
using Venue.Storage.Sqlite.Central;
using Venue.Testing;

namespace Venue.Central.Tests.Sync;

/// <summary>The reconciler's live counts when one attendee's history grain fails in the middle of an upload.</summary>
public sealed class ReconcilerCountTests : IAsyncLifetime
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 22, 9, 0, 0, TimeSpan.Zero);
    private readonly TempDirectory _directory = new();
    private SqliteCentralStore _store = null!;

    public async Task InitializeAsync() => _store = await SqliteCentralStore.OpenAsync(_directory.File("central.db"), TimeProvider.System);

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Admissions_applied_beside_a_failing_history_are_counted_and_the_failure_marks_a_repair()
    {
        var reconciler = new Reconciler(new Histories(failing: "a2"), new WebhookOutbox(_store), _store);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            reconciler.ApplyAsync([Admission("a1", 1), Admission("a2", 2), Admission("a3", 3)]));

        Assert.Equal("history of 'a2' is down", failure.Message);
        Assert.Equal((2L, 2L), (reconciler.Inside, reconciler.Admitted));
        Assert.True(reconciler.IsDirty, "the failure asks for a repair before the next upload");
    }

    private static StoredCheckIn Admission(string attendee, long seq) =>
        new("north", new JournalEntry("G01", attendee, ScanDirection.Entry, ScanReason.Admitted, $"n{seq}", T0, T0) { Sequence = seq, Hlc = seq, TicketType = "general" },
            seq, T0, Late: false);

    /// <summary>History grains that admit whoever they are given, but one that fails.</summary>
    private sealed class Histories(string failing) : IGrainFactory
    {
        public TGrainInterface GetGrain<TGrainInterface>(string key)
            where TGrainInterface : class, IGrainWithStringKey => (TGrainInterface)(object)new History(key, key == failing);
    }

    private sealed class History(string attendee, bool fails) : IAttendeeHistoryGrain
    {
        public async Task<HistoryChange> ApplyAsync(IReadOnlyList<Passage> passages, bool storeConflicts = true)
        {
            await Task.Yield();
            return fails
                ? throw new InvalidOperationException($"history of '{attendee}' is down")
                : new HistoryChange(WasInside: false, IsInside: true, WasAdmitted: false, IsAdmitted: true, passages.Count, []);
        }

        public Task<IReadOnlyList<Conflict>> StoreConflictsAsync() => throw new NotSupportedException();

        public Task<HistoryVerdict> GetVerdictAsync() => throw new NotSupportedException();
    }
}
