using Venue.Hosting.Security;

namespace Venue.Central.Security;

/// <summary>
/// Failed API key checks per client address: past <see cref="FailuresAllowed"/> a minute, an address
/// gets 429 without a store read until the minute is out, except for keys it used successfully
/// within <see cref="ApiKeyAuthenticator.CacheFor"/> (an integrator sharing an address with a
/// misconfigured client keeps working). Without it, every request with a made-up <c>vak_</c> token
/// was a PostgreSQL query, and anonymous requests meet no rate limit.
/// </summary>
public sealed class ApiKeyThrottle(TimeProvider time) : FailedAttempts(time, FailuresAllowed, TimeSpan.FromMinutes(1))
{
    public const int FailuresAllowed = 30;
}
