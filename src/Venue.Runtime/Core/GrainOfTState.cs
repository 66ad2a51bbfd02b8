using Venue.Runtime.Storage;

namespace Venue.Runtime;

/// <summary>
/// A grain with persistent state. State is read before <see cref="Grain.OnActivateAsync"/>; a write
/// carries the etag of the last read or write, and a stale etag throws
/// <see cref="InconsistentStateException"/> and drops the activation, as Orleans does.
/// </summary>
public abstract class Grain<TState> : Grain
    where TState : class, new()
{
    private IGrainStorage? _storage;

    protected TState State { get; set; } = new();

    /// <summary>The etag of the stored state; null when nothing is stored.</summary>
    protected string? Etag { get; private set; }

    /// <summary>True when state was found in storage.</summary>
    protected bool RecordExists => Etag is not null;

    private IGrainStorage Storage => _storage ??= Activation.Registration.Storage;

    internal override Task ReadStateForActivationAsync(CancellationToken cancellationToken) => ReadStateAsync(cancellationToken);

    protected async Task ReadStateAsync(CancellationToken cancellationToken = default)
    {
        var stored = await Storage.ReadAsync<TState>(GrainId, cancellationToken);
        State = stored?.State ?? new TState();
        Etag = stored?.Etag;
    }

    protected async Task WriteStateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            Etag = await Storage.WriteAsync(GrainId, State, Etag, cancellationToken);
        }
        catch (InconsistentStateException)
        {
            _ = Activation.RequestDeactivation(DeactivationReason.InconsistentState);
            throw;
        }
    }

    protected async Task ClearStateAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await Storage.ClearAsync(GrainId, Etag, cancellationToken);
            State = new TState();
            Etag = null;
        }
        catch (InconsistentStateException)
        {
            _ = Activation.RequestDeactivation(DeactivationReason.InconsistentState);
            throw;
        }
    }
}
