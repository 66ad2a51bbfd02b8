namespace Venue.Runtime;

public enum DeactivationReason
{
    /// <summary>Collected after being idle longer than the collection age.</summary>
    IdleCollection,
    /// <summary>The grain asked for it with <c>DeactivateOnIdle</c>.</summary>
    ApplicationRequested,
    /// <summary>A state write found a stale etag; the activation is dropped so the next call reloads state.</summary>
    InconsistentState,
    /// <summary>The runtime is stopping.</summary>
    ShuttingDown,
}
