using Venue.Hosting.Security;

namespace Venue.OpsConsole.Security;

/// <summary>
/// Slows down guessing at <c>POST /console/session</c>: after <see cref="FailuresAllowed"/> failed
/// sign-ins from one address within <see cref="Window"/>, that address is answered 429 until the
/// window has passed. Successful sign-ins never count, so a console desk signing in many tablets is not held up.
/// </summary>
public sealed class SignInThrottle(TimeProvider time) : FailedAttempts(time, FailuresAllowed, Window)
{
    public const int FailuresAllowed = 10;
    public static new readonly TimeSpan Window = TimeSpan.FromMinutes(1);
}
