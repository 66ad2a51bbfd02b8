using System.Collections.Concurrent;

namespace Venue.Runtime.Storage;

/// <summary>
/// In-memory storage. States are kept as given (no copy), so it suits tests and state that is
/// rebuilt from elsewhere on restart (the edge rebuilds attendee state from its journal).
/// </summary>
public sealed class MemoryGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<GrainId, Entry> _entries = new();
    private long _version;

    // A struct, stored in the dictionary's node: one object less per grain (an edge stores a million attendees here).
    private readonly record struct Entry(object State, string Etag);

    public int Count => _entries.Count;

    public Task<StoredState<TState>?> ReadAsync<TState>(GrainId grainId, CancellationToken cancellationToken) =>
        Task.FromResult(_entries.TryGetValue(grainId, out var e) ? new StoredState<TState>((TState)e.State, e.Etag) : null);

    /// <summary>Puts state in place without an etag check, as a rebuild from a journal does.</summary>
    public void Seed<TState>(GrainId grainId, TState state) where TState : notnull =>
        _entries[grainId] = new Entry(state, NextEtag());

    public Task<string> WriteAsync<TState>(GrainId grainId, TState state, string? expectedEtag, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        var etag = NextEtag();
        var next = new Entry(state, etag);
        while (true)
        {
            if (_entries.TryGetValue(grainId, out var current))
            {
                if (current.Etag != expectedEtag)
                {
                    throw new InconsistentStateException(grainId, expectedEtag, current.Etag);
                }

                if (_entries.TryUpdate(grainId, next, current))
                {
                    return Task.FromResult(etag);
                }
            }
            else
            {
                if (expectedEtag is not null)
                {
                    throw new InconsistentStateException(grainId, expectedEtag, null);
                }

                if (_entries.TryAdd(grainId, next))
                {
                    return Task.FromResult(etag);
                }
            }
        }
    }

    public Task ClearAsync(GrainId grainId, string? expectedEtag, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(grainId, out var current))
        {
            if (current.Etag != expectedEtag || !_entries.TryRemove(new KeyValuePair<GrainId, Entry>(grainId, current)))
            {
                throw new InconsistentStateException(grainId, expectedEtag, current.Etag);
            }
        }
        else if (expectedEtag is not null)
        {
            throw new InconsistentStateException(grainId, expectedEtag, null);
        }

        return Task.CompletedTask;
    }

    private string NextEtag() => Interlocked.Increment(ref _version).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
