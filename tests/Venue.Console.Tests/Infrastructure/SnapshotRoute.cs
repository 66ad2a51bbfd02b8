using Microsoft.Playwright;

namespace Venue.Console.Tests.Infrastructure;

/// <summary>
/// Stands between a page and <c>/console/api/snapshot</c>: answers with <see cref="Answer"/> when it
/// gives a response (a broken one, say), otherwise holds each request for <see cref="Delay"/> or until
/// <see cref="Release"/> (when <see cref="Hold"/> is set), then lets it through. Counts the snapshot
/// requests the page made and how many have ended (answered, or given up by the page), and the stream
/// requests it opened, so a test can wait until every load it started has run its course.
/// </summary>
public sealed class SnapshotRoute
{
    private readonly IPage _page;
    private readonly TaskCompletionSource _firstArrived = Signal.New();
    private readonly TaskCompletionSource _released = Signal.New();
    private int _requests;
    private int _ended;
    private int _streams;

    private SnapshotRoute(IPage page) => _page = page;

    /// <summary>How long each snapshot request is held before it goes on to the silo.</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>When set, the first snapshot request is held until <see cref="Release"/>.</summary>
    public bool Hold { get; set; }

    /// <summary>Gives the next request this answer instead of the silo's (status, body); null: the silo's.</summary>
    public Func<int, (int Status, string Body)?>? Answer { get; set; }

    public int Requests => Volatile.Read(ref _requests);

    public int Ended => Volatile.Read(ref _ended);

    /// <summary>Stream requests (<c>/console/api/stream</c>) the page made.</summary>
    public int Streams => Volatile.Read(ref _streams);

    public Task FirstArrived => _firstArrived.Task;

    public void Release() => _released.TrySetResult();

    public static async Task<SnapshotRoute> InstallAsync(IPage page)
    {
        var route = new SnapshotRoute(page);
        page.Request += (_, request) =>
        {
            if (request.Url.Contains("/console/api/stream", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref route._streams);
            }
        };
        page.RequestFinished += (_, request) => route.Count(request);
        page.RequestFailed += (_, request) => route.Count(request);
        await page.RouteAsync("**/console/api/snapshot", route.HandleAsync);
        return route;
    }

    private void Count(IRequest request)
    {
        if (request.Url.EndsWith("/console/api/snapshot", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref _ended);
        }
    }

    private async Task HandleAsync(IRoute route)
    {
        var n = Interlocked.Increment(ref _requests);
        try
        {
            if (Answer?.Invoke(n) is { } answer)
            {
                await route.FulfillAsync(new RouteFulfillOptions { Status = answer.Status, ContentType = "application/json", Body = answer.Body });
                return;
            }

            if (n == 1 && Hold)
            {
                _firstArrived.TrySetResult();
                await _released.Task.WithTimeout("the test to release the first snapshot request");
            }

            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay);
            }

            await route.ContinueAsync();
        }
        catch (PlaywrightException)
        {
            // The page gave the request up meanwhile (an aborted load): nothing left to answer.
        }
    }

    /// <summary>
    /// Waits until every snapshot request the page made has ended, then for one turn of the page's
    /// event loop, so whatever the page does with the last answer (open a stream) has been done.
    /// </summary>
    public async Task SettledAsync()
    {
        await Eventually.UntilAsync(() => Task.FromResult(Requests > 0 && Ended == Requests), Signal.Limit,
            () => $"every snapshot request to end ({Ended} of {Requests})");
        await _page.EvaluateAsync("() => new Promise((resolve) => setTimeout(resolve, 0))");
    }
}
