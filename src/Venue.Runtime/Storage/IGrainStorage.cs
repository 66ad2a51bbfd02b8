namespace Venue.Runtime.Storage;

/// <summary>
/// Persistent grain state with optimistic concurrency. Rows are keyed by grain type and key.
/// Implementations must pass the shared conformance suite.
/// </summary>
public interface IGrainStorage
{
    /// <summary>The stored state and its etag, or null when none is stored.</summary>
    Task<StoredState<TState>?> ReadAsync<TState>(GrainId grainId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes the state if the stored etag equals <paramref name="expectedEtag"/> (null: nothing
    /// stored yet) and returns the new etag; otherwise throws <see cref="InconsistentStateException"/>.
    /// </summary>
    Task<string> WriteAsync<TState>(GrainId grainId, TState state, string? expectedEtag, CancellationToken cancellationToken);

    /// <summary>Removes the state under the same etag rule as <see cref="WriteAsync{TState}"/>.</summary>
    Task ClearAsync(GrainId grainId, string? expectedEtag, CancellationToken cancellationToken);
}

public sealed record StoredState<TState>(TState State, string Etag);
