using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Venue.Hosting.Security;

namespace Venue.Central.Security;

/// <summary>
/// Each API key gets its own token bucket of <c>RequestsPerMinute</c> tokens, refilled one at a
/// time evenly over the minute (a key of 600 gets 10 back every second), so a key may burst up to
/// its minute's worth and then goes at its rate. Beyond it: 429 with a problem body and Retry-After.
/// Needs the key on the principal, so the rate limiter middleware runs after authorization.
/// </summary>
public sealed class ApiKeyRateLimiterPolicy : IRateLimiterPolicy<string>
{
    public const string Name = "per-api-key";

    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = async (context, _) =>
    {
        var seconds = RetryAfter.Set(context, fallbackSeconds: 60);
        var http = context.HttpContext;
        var limit = http.User.FindFirstValue(ApiKeyAuthenticationHandler.RequestsPerMinuteClaim) ?? "?";
        await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
            detail: $"This API key may make {limit} requests per minute; retry in {seconds} s.").ExecuteAsync(http);
    };

    public RateLimitPartition<string> GetPartition(HttpContext httpContext)
    {
        var user = httpContext.User;
        if (user.Identity?.AuthenticationType != ApiKeyAuthenticationHandler.SchemeName
            || user.FindFirstValue(ClaimTypes.NameIdentifier) is not { } keyId
            || !int.TryParse(user.FindFirstValue(ApiKeyAuthenticationHandler.RequestsPerMinuteClaim), CultureInfo.InvariantCulture, out var perMinute)
            || perMinute < 1)
        {
            // Unauthenticated requests are turned away by authorization before they get here.
            return RateLimitPartition.GetNoLimiter("anonymous");
        }

        // Refill at least a second apart (a timer per key at sub-millisecond periods would be wasteful),
        // in as many tokens as make the rate exact: 600 a minute is 10 a second, 90 a minute 2 every 1.33 s.
        var tokensPerPeriod = (perMinute + 59) / 60;
        var period = TimeSpan.FromMinutes(1) * tokensPerPeriod / perMinute;

        // The limit is part of the partition: a key whose limit is changed gets a bucket of the new size.
        return RateLimitPartition.GetTokenBucketLimiter($"{keyId}/{perMinute}", _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = tokensPerPeriod,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}
