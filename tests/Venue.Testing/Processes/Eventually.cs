using System.Diagnostics;

namespace Venue.Testing.Processes;

/// <summary>Waits for an observable state with a deadline, never for a guessed amount of time.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with what was awaited when the deadline passes.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string awaited) =>
        UntilAsync(condition, timeout, () => awaited);

    /// <summary>
    /// As <see cref="UntilAsync(Func{Task{bool}}, TimeSpan, string)"/>, with the message made when the
    /// deadline passes, so it can say what the state was then (not only what was awaited).
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> awaited, TimeSpan? pollEvery = null)
    {
        var clock = Stopwatch.StartNew();
        using var pace = new PeriodicTimer(pollEvery ?? PollEvery);
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0.#} s waiting for {awaited()}.");
            }

            await pace.WaitForNextTickAsync();
        }
    }

    /// <summary>Awaits a task (a signal), failing with what was awaited if it does not complete in time.</summary>
    public static async Task<T> Within<T>(this Task<T> task, TimeSpan timeout, string awaited)
    {
        try
        {
            return await task.WaitAsync(timeout);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0.#} s waiting for {awaited}.");
        }
    }

    public static async Task Within(this Task task, TimeSpan timeout, string awaited)
    {
        try
        {
            await task.WaitAsync(timeout);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0.#} s waiting for {awaited}.");
        }
    }
}
