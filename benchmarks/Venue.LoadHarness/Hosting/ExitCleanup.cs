namespace Venue.LoadHarness.Hosting;

/// <summary>
/// Last-resort cleanup of servers the harness started, for when it exits without reaching the
/// normal teardown (an unhandled exception, SIGTERM). Normal teardown unregisters first.
/// </summary>
internal static class ExitCleanup
{
    private static readonly List<Action> Actions = [];

    static ExitCleanup() => AppDomain.CurrentDomain.ProcessExit += (_, _) => RunAll();

    public static IDisposable Register(Action cleanup)
    {
        lock (Actions)
        {
            Actions.Add(cleanup);
        }

        return new Registration(cleanup);
    }

    private static void RunAll()
    {
        Action[] pending;
        lock (Actions)
        {
            pending = [.. Actions];
            Actions.Clear();
        }

        foreach (var action in pending)
        {
            try
            {
                action();
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"cleanup at exit failed: {e.Message}");
            }
        }
    }

    private sealed class Registration(Action cleanup) : IDisposable
    {
        public void Dispose()
        {
            lock (Actions)
            {
                Actions.Remove(cleanup);
            }
        }
    }
}
