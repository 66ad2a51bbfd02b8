namespace Venue.Testing;

/// <summary>Awaiting with a time limit and a message that says what was awaited.</summary>
public static class Signal
{
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    public static async Task WithTimeout(this Task task, string awaited)
    {
        try
        {
            await task.WaitAsync(Limit);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Waited {Limit.TotalSeconds:0} s for {awaited}.");
        }
    }

    public static async Task<T> WithTimeout<T>(this Task<T> task, string awaited)
    {
        try
        {
            return await task.WaitAsync(Limit);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Waited {Limit.TotalSeconds:0} s for {awaited}.");
        }
    }

    public static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
