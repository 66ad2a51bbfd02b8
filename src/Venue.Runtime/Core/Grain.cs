using Venue.Runtime.Streams;
using Venue.Runtime.Timers;

namespace Venue.Runtime;

/// <summary>
/// Base class of grains. One turn runs at a time per activation, so grain code needs no locks.
/// </summary>
public abstract class Grain
{
    private Activation? _activation;

    internal Activation Activation =>
        _activation ?? throw new InvalidOperationException("This grain is not activated by a grain runtime.");

    internal void Bind(Activation activation) => _activation = activation;

    public GrainId GrainId => Activation.Id;

    /// <summary>The key this activation was addressed with.</summary>
    protected string Key => Activation.Id.Key;

    protected IGrainFactory GrainFactory => Activation.Runtime;

    protected IStreamProvider Streams => Activation.Runtime.Streams;

    protected TimeProvider Time => Activation.Runtime.Time;

    /// <summary>Runs as the activation's first turn, after persistent state has been read.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Best effort: runs as the last turn when the activation is collected or the runtime stops.</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A timer whose ticks run as turns of this activation. Ticks never overlap: the next period is
    /// counted from the end of the previous tick. Ticks do not keep the activation from being collected.
    /// Each of <paramref name="dueTime"/> and <paramref name="period"/> is 0 to about 49.7 days, or
    /// <see cref="Timeout.InfiniteTimeSpan"/>; anything else throws <see cref="ArgumentOutOfRangeException"/>.
    /// </summary>
    protected IGrainTimer RegisterGrainTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) =>
        Activation.RegisterTimer(callback, dueTime, period);

    /// <summary>Asks for this activation to be deactivated once the current turn ends.</summary>
    protected void DeactivateOnIdle() => _ = Activation.RequestDeactivation(DeactivationReason.ApplicationRequested);

    // Persistent state plumbing, used by Grain<TState>.
    internal virtual Task ReadStateForActivationAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
