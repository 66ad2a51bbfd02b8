using Venue.Domain.Readers;
using Venue.Testing.Processes;

namespace Venue.Messaging.Tests.Support;

/// <summary>
/// A read sink that journals into memory as the edge's does (deduplicating on reader and event number)
/// and records every call, so a test sees redeliveries as well as the journal. It can be told to fail
/// the next calls, or to hold calls until released.
/// </summary>
public sealed class JournalingSink(params string[] knownReaders) : IReadSink
{
    private readonly Lock _lock = new();
    private readonly HashSet<string> _known = [.. knownReaders];
    private readonly HashSet<(string Reader, long EventNum)> _keys = [];
    private readonly List<TagRead> _journal = [];
    private readonly List<IReadOnlyList<TagRead>> _calls = [];
    private int _failuresLeft;
    private TaskCompletionSource? _hold;
    private TaskCompletionSource _held = Signal.New();

    public IReadOnlyList<TagRead> Journal
    {
        get
        {
            lock (_lock)
            {
                return [.. _journal];
            }
        }
    }

    public IReadOnlyList<IReadOnlyList<TagRead>> Calls
    {
        get
        {
            lock (_lock)
            {
                return [.. _calls];
            }
        }
    }

    public int JournalCount
    {
        get
        {
            lock (_lock)
            {
                return _journal.Count;
            }
        }
    }

    /// <summary>The next <paramref name="calls"/> ingests throw before journaling anything.</summary>
    public void FailNext(int calls) => Interlocked.Exchange(ref _failuresLeft, calls);

    /// <summary>Holds the next ingests until <see cref="Release"/>; returns a task that completes when one is held.</summary>
    public Task HoldNext()
    {
        lock (_lock)
        {
            _hold = Signal.New();
            _held = Signal.New();
            return _held.Task;
        }
    }

    public void Release()
    {
        lock (_lock)
        {
            _hold?.TrySetResult();
            _hold = null;
        }
    }

    /// <summary>Reads stamped after this are dropped and reported as clock-ahead, as the edge's sink does.</summary>
    public DateTimeOffset? ClockAheadAfter { get; set; }

    public bool IsKnownReader(string readerId) => _known.Contains(readerId);

    public async Task<ReadIngestResult> IngestAsync(IReadOnlyList<TagRead> reads, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource? hold;
        lock (_lock)
        {
            _calls.Add([.. reads]);
            hold = _hold;
            _held.TrySetResult();
        }

        if (hold is not null)
        {
            await hold.Task.WaitAsync(cancellationToken);
        }

        if (Interlocked.Decrement(ref _failuresLeft) >= 0)
        {
            throw new IOException("disk full (a test sink failing on purpose)");
        }

        lock (_lock)
        {
            var accepted = 0;
            var clockAhead = 0;
            foreach (var read in reads)
            {
                if (read.ReadAt > ClockAheadAfter)
                {
                    clockAhead++;
                }
                else if (_keys.Add((read.ReaderId, read.EventNum)))
                {
                    _journal.Add(read);
                    accepted++;
                }
            }

            return new ReadIngestResult(accepted, reads.Count - accepted - clockAhead, clockAhead);
        }
    }

    /// <summary>Waits until the journal holds <paramref name="count"/> reads.</summary>
    public Task JournaledAsync(int count, TimeSpan? within = null) =>
        Eventually.UntilAsync(() => Task.FromResult(JournalCount >= count), within ?? TimeSpan.FromSeconds(20),
            () => $"{count} reads in the sink's journal (it holds {JournalCount}, after {Calls.Count} calls)");
}
