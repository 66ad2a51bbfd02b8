using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Net.Http.Headers;

namespace Venue.Hosting.Security;

/// <summary>The <c>Retry-After</c> of a 429: when the limiter says its next permit comes, in whole seconds (at least 1).</summary>
public static class RetryAfter
{
    /// <summary>Sets the header from the rejected lease, or <paramref name="fallbackSeconds"/> when the limiter does not say; returns the seconds.</summary>
    public static int Set(OnRejectedContext context, int fallbackSeconds)
    {
        var seconds = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : fallbackSeconds;
        context.HttpContext.Response.Headers[HeaderNames.RetryAfter] = seconds.ToString(CultureInfo.InvariantCulture);
        return seconds;
    }
}
