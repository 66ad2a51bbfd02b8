namespace Venue.Storage.Sqlite;

/// <summary>
/// The highest sequence a journal has committed, and a wait for it to pass a given one, so a reader
/// of the journal (the uplink) waits for new entries without polling the database. The writer
/// thread alone advances it.
/// </summary>
internal sealed class CommittedSequence(long last)
{
    private long _last = last;
    private volatile bool _closed;
    // Set only while someone waits, so a commit with nobody waiting costs one volatile read.
    private TaskCompletionSource? _signal;

    public long Value => Interlocked.Read(ref _last);

    public void Advance(long sequence)
    {
        Interlocked.Exchange(ref _last, sequence);
        if (Volatile.Read(ref _signal) is { } signal && Interlocked.CompareExchange(ref _signal, null, signal) == signal)
        {
            signal.TrySetResult();
        }
    }

    /// <summary>Completes once a sequence after <paramref name="after"/> is committed (at once if one is already).</summary>
    public Task WaitBeyondAsync(long after, object owner, CancellationToken cancellationToken)
    {
        while (true)
        {
            ObjectDisposedException.ThrowIf(_closed, owner);
            var signal = Volatile.Read(ref _signal);
            if (signal is null)
            {
                signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (Interlocked.CompareExchange(ref _signal, signal, null) is not null)
                {
                    continue;
                }
            }

            // Read after publishing the signal: the writer stores the sequence before it takes the
            // signal, so either this read sees the new entry or the writer sees (and completes) the signal.
            if (Interlocked.Read(ref _last) > after)
            {
                return Task.CompletedTask;
            }

            // Likewise against Close, which sets _closed before it fails the signal it finds.
            ObjectDisposedException.ThrowIf(_closed, owner);
            return signal.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Fails the current wait and every later one: the journal is closed.</summary>
    public void Close(string ownerName)
    {
        _closed = true;
        if (Interlocked.Exchange(ref _signal, null) is { } waiting)
        {
            waiting.TrySetException(new ObjectDisposedException(ownerName));
        }
    }
}
