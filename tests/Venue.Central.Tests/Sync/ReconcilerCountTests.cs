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
        var reconciler = new Reconciler(new Histories(failing: "a2"), new WebhookOutbox(_store), _store, _ => false);

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            reconciler.ApplyAsync([Admission("a1", 1), Admission("a2", 2), Admission("a3", 3)]));

        Assert.Equal("history of 'a2' is down", failure.Message);
        Assert.Equal((2L, 2L), (reconciler.Inside, reconciler.Admitted));
        Assert.True(reconciler.IsDirty, "the failure asks for a repair before the next upload");
    }

    [Fact]
    public async Task A_history_whose_apply_threw_after_changing_is_counted_by_the_repair()
    {
        // The conflict write is cancelled once: the turn has added both admissions and then throws, so
        // the upload counts nothing for this attendee. The repair replays the stored passages, which
        // add nothing new to the history; the standing they changed must be counted all the same.
        var conflicts = new CancelledOnce(_store);
        var builder = new GrainRuntimeBuilder().UseTimeProvider(TimeProvider.System).UseStorage(new Venue.Runtime.Storage.MemoryGrainStorage());
        builder.AddGrain<IAttendeeHistoryGrain, AttendeeHistoryGrain>(() => new AttendeeHistoryGrain(conflicts, Reconciler.ConflictEvent));
        await using var runtime = builder.Build();
        var reconciler = new Reconciler(runtime, new WebhookOutbox(_store), _store, _ => false);
        var north = await _store.IngestAsync("north", [Entry("a1", 1, hlc: 10)], T0, TimeSpan.FromMinutes(5));
        var south = await _store.IngestAsync("south", [Entry("a1", 1, hlc: 11)], T0, TimeSpan.FromMinutes(5));

        await Assert.ThrowsAsync<OperationCanceledException>(() => reconciler.ApplyAsync([.. north.Inserted, .. south.Inserted]));
        Assert.Equal((0L, 0L), (reconciler.Inside, reconciler.Admitted));
        Assert.True(reconciler.IsDirty);

        Assert.NotNull(await reconciler.RepairIfDirtyAsync());

        Assert.Equal((1L, 1L), (reconciler.Inside, reconciler.Admitted));
        Assert.Equal(1, conflicts.Stored);
        Assert.Equal(1L, await _store.CountConflictsAsync());

        // A second replay changes nothing: what was reported once is not reported again.
        await reconciler.ApplyAsync([.. north.Inserted, .. south.Inserted]);
        Assert.Equal((1L, 1L), (reconciler.Inside, reconciler.Admitted));
    }

    private static JournalEntry Entry(string attendee, long seq, long hlc) =>
        new("G01", attendee, ScanDirection.Entry, ScanReason.Admitted, $"n{seq}", T0, T0) { Sequence = seq, Hlc = hlc, TicketType = "general" };

    /// <summary>A conflict store whose first write is cancelled (a central stopping mid-upload).</summary>
    private sealed class CancelledOnce(IConflictStore inner) : IConflictStore
    {
        private int _calls;

        public int Stored { get; private set; }

        public async Task<IReadOnlyList<Conflict>> ReplaceConflictsAsync(string attendeeId, IReadOnlyList<Conflict> current, Func<Conflict, WebhookEvent>? webhookEvent = null,
            CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                throw new OperationCanceledException("central is stopping");
            }

            var raised = await inner.ReplaceConflictsAsync(attendeeId, current, webhookEvent, cancellationToken);
            Stored += raised.Count;
            return raised;
        }

        public Task<IReadOnlyList<Conflict>> ListConflictsAsync(long afterId, int limit, CancellationToken cancellationToken = default) => inner.ListConflictsAsync(afterId, limit, cancellationToken);

        public Task<long> CountConflictsAsync(CancellationToken cancellationToken = default) => inner.CountConflictsAsync(cancellationToken);

        public Task<bool> AcknowledgeConflictAsync(long id, string by, DateTimeOffset at, CancellationToken cancellationToken = default) =>
            inner.AcknowledgeConflictAsync(id, by, at, cancellationToken);
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
