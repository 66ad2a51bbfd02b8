using System.Diagnostics;

namespace Venue.Edge.Tests.Infrastructure;

/// <summary>Waits for an observable state with a deadline, never for a guessed amount of time.</summary>
public static class Eventually
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(20);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with what was awaited when the deadline passes.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string awaited)
    {
        var clock = Stopwatch.StartNew();
        using var pace = new PeriodicTimer(PollEvery);
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0.#} s waiting for {awaited}.");
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
        catch (TimeoutException)
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
        catch (TimeoutException)
        {
            throw new TimeoutException($"Gave up after {timeout.TotalSeconds:0.#} s waiting for {awaited}.");
        }
    }
}
