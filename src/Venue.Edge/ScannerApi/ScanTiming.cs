using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Venue.Edge.ScannerApi;

/// <summary>
/// The edge's time on a scan, for the <c>Server-Timing</c> header: <c>checkin</c> is the check-in
/// itself (grains and the durable journal), <c>request</c> everything the edge did from routing to
/// the start of the answer (authentication, rate limit, reading and checking the body, the
/// check-in). What a scanner measures beyond <c>request</c> is the network, Kestrel's own work and
/// the scanner itself.
/// </summary>
internal sealed class ScanTiming
{
    /// <summary>Endpoint metadata: the endpoints whose requests are timed.</summary>
    public static readonly ScanTiming Timed = new(0);

    private ScanTiming(long requestStarted) => RequestStarted = requestStarted;

    public long RequestStarted { get; }

    /// <summary>Notes when a timed endpoint's request reached the edge's pipeline (after routing, before authentication).</summary>
    public static IApplicationBuilder UseScanTiming(IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<ScanTiming>() is not null)
        {
            context.Features.Set(new ScanTiming(Stopwatch.GetTimestamp()));
        }

        return next(context);
    });

    /// <summary>Writes the header as the answer starts, with the check-in's own time measured by the endpoint.</summary>
    public static void Report(HttpContext context, TimeSpan checkIn)
    {
        if (context.Features.Get<ScanTiming>() is not { } timing)
        {
            context.Response.Headers[ScanServerTiming.Header] = ScanServerTiming.Format(checkIn, null);
            return;
        }

        context.Response.OnStarting(static state =>
        {
            var (context, started, checkIn) = ((HttpContext, long, TimeSpan))state;
            context.Response.Headers[ScanServerTiming.Header] = ScanServerTiming.Format(checkIn, Stopwatch.GetElapsedTime(started));
            return Task.CompletedTask;
        }, (context, timing.RequestStarted, checkIn));
    }
}
