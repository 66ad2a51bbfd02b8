using System.Net;
using Venue.OpsConsole.Security;
using Venue.Testing;

namespace Venue.Console.Tests.Security;

public sealed class SignInThrottleTests
{
    [Fact]
    public void An_address_is_held_back_after_its_allowed_failures_until_the_window_has_passed_and_others_are_not()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2030, 6, 1, 8, 0, 0, TimeSpan.Zero));
        var throttle = new SignInThrottle(time);
        var guesser = IPAddress.Parse("10.0.0.7");
        for (var i = 0; i < SignInThrottle.FailuresAllowed - 1; i++)
        {
            throttle.Failed(guesser);
        }

        Assert.Null(throttle.RetryAfter(guesser));
        throttle.Failed(guesser);
        time.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal(SignInThrottle.Window - TimeSpan.FromSeconds(20), throttle.RetryAfter(guesser));
        Assert.Null(throttle.RetryAfter(IPAddress.Parse("10.0.0.8")));
        time.Advance(TimeSpan.FromSeconds(40));
        Assert.Null(throttle.RetryAfter(guesser));
    }
}
