namespace Venue.Runtime;

/// <summary>One turn waiting for, or running on, an activation.</summary>
internal abstract class WorkItem : IThreadPoolWorkItem
{
    public abstract bool ReadOnly { get; }

    /// <summary>Whether running this turn counts as use of the activation (timer ticks do not).</summary>
    public virtual bool KeepsAlive => true;

    /// <summary>Set when the item is started on an activation.</summary>
    public Activation Target { get; set; } = null!;

    /// <summary>Runs the turn. Must call <see cref="Activation.ReleaseTurn"/> exactly once when the turn ends.</summary>
    public abstract void RunTurn();

    /// <summary>Run by the thread pool: this turn, then whatever turns of the same activation it hands on (see <see cref="Activation.RunTurns"/>).</summary>
    void IThreadPoolWorkItem.Execute() => Activation.RunTurns(this);

    /// <summary>The activation died before running this item: it fails or goes elsewhere.</summary>
    public abstract void Abandon(GrainRuntime runtime, Exception? activationFailure);
}

/// <summary>Result type of calls to methods that return a plain <see cref="Task"/>.</summary>
internal readonly struct VoidResult;

/// <summary>A grain method call waiting in an activation's queue.</summary>
internal sealed class CallItem<TResult>(
    GrainRegistration registration,
    GrainId grainId,
    Func<Grain, object?[]?, Task> body,
    object?[]? arguments,
    bool readOnly) : WorkItem
{
    private readonly TaskCompletionSource<TResult> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Task => _completion.Task;

    public override bool ReadOnly => readOnly;

    public override void RunTurn()
    {
        var turn = GrainRuntime.RunBody<TResult>(body, Target.Instance, arguments);
        if (turn.IsCompleted)
        {
            Finish(turn);
        }
        else
        {
            turn.ContinueWith(static (t, s) => ((CallItem<TResult>)s!).Finish(t), this,
                CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void Finish(Task turn)
    {
        // Release first, so the caller's next call to this grain finds the activation free.
        Target.ReleaseTurn(this);
        if (turn.IsFaulted)
        {
            _completion.TrySetException(turn.Exception!.InnerExceptions);
        }
        else if (turn.IsCanceled)
        {
            _completion.TrySetCanceled();
        }
        else
        {
            _completion.TrySetResult(turn is Task<TResult> typed ? typed.Result : default!);
        }
    }

    public override void Abandon(GrainRuntime runtime, Exception? activationFailure)
    {
        if (activationFailure is not null)
        {
            _completion.TrySetException(new GrainActivationException(grainId, activationFailure));
        }
        else
        {
            try
            {
                runtime.Dispatch(registration, grainId, this);
            }
            catch (ObjectDisposedException stopped)
            {
                _completion.TrySetException(stopped);
            }
        }
    }
}
