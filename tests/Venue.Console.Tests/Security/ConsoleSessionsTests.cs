using System.Security.Claims;
using Venue.OpsConsole.Security;
using Venue.Testing;

namespace Venue.Console.Tests.Security;

public sealed class ConsoleSessionsTests
{
    private static ClaimsPrincipal Session(ConsoleSessions sessions) => new(new ClaimsIdentity(sessions.NewSessionClaims(), ConsoleAuthentication.Scheme));

    [Fact]
    public void A_session_ends_its_lifetime_after_sign_in_however_often_it_is_used()
    {
        var time = new ManualTimeProvider(new DateTimeOffset(2030, 6, 1, 8, 0, 0, TimeSpan.Zero));
        var sessions = new ConsoleSessions(directory: null, time);
        var session = Session(sessions);

        time.Advance(ConsoleAuthentication.SessionLifetime - TimeSpan.FromSeconds(1));
        Assert.True(sessions.IsOpen(session));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.False(sessions.IsOpen(session));
    }

    [Fact]
    public void A_principal_without_a_session_is_judged_by_its_token_alone()
    {
        var sessions = new ConsoleSessions(directory: null, TimeProvider.System);
        var bearer = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "d1")], "DeviceToken"));

        sessions.End(bearer);

        Assert.True(sessions.IsOpen(bearer));
    }

    [Fact]
    public void A_signed_out_session_stays_ended_for_a_new_instance_on_the_same_directory_until_its_lifetime_is_over()
    {
        using var directory = new TempDirectory();
        var time = new ManualTimeProvider(new DateTimeOffset(2030, 6, 1, 8, 0, 0, TimeSpan.Zero));
        var first = new ConsoleSessions(directory.Path, time);
        var ended = Session(first);
        var kept = Session(first);

        first.End(ended);
        var afterRestart = new ConsoleSessions(directory.Path, time);

        Assert.False(afterRestart.IsOpen(ended));
        Assert.True(afterRestart.IsOpen(kept));
        // Past its lifetime the entry is dropped at the next start: the session is over either way.
        time.Advance(ConsoleAuthentication.SessionLifetime);
        _ = new ConsoleSessions(directory.Path, time);
        Assert.Empty(File.ReadAllLines(Path.Combine(directory.Path, "ended-sessions")));
    }
}
