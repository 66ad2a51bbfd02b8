using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Claims;

namespace Venue.OpsConsole.Security;

/// <summary>
/// What ends a console session besides its token's revocation: signing out, and its absolute
/// lifetime. A session cookie is a self-contained ticket, so deleting it in the browser would leave
/// a copy (sniffed on a venue's plain-HTTP Wi-Fi, or left on a shared tablet) working for as long as
/// it kept being used. Each session carries an id and when it was signed in: a signed-out id is
/// remembered (in the silo's console-keys directory, so a restart does not bring it back) until its
/// lifetime would have run out anyway, and no session outlives <see cref="ConsoleAuthentication.SessionLifetime"/>
/// from its sign-in, however often it is used.
/// </summary>
public sealed class ConsoleSessions
{
    public const string SessionClaim = "venue:session";
    public const string SignedInClaim = "venue:signed-in";

    private const string FileName = "ended-sessions";

    private readonly ConcurrentDictionary<string, long> _ended = new(StringComparer.Ordinal);
    private readonly string? _path;
    private readonly TimeProvider _time;
    private readonly Lock _writing = new();

    /// <param name="directory">Where the ended sessions are kept (the console-keys directory); null: in memory only.</param>
    public ConsoleSessions(string? directory, TimeProvider time)
    {
        _time = time;
        if (directory is null)
        {
            return;
        }

        _path = Path.Combine(directory, FileName);
        if (!File.Exists(_path))
        {
            return;
        }

        var now = time.GetUtcNow().ToUnixTimeSeconds();
        foreach (var line in File.ReadLines(_path))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var until) && until > now)
            {
                _ended[parts[0]] = until;
            }
        }

        // Kept short: what has expired is dropped at each start. Through a new file, so a crash leaves the old one whole.
        File.WriteAllLines(_path + ".new", _ended.Select(e => $"{e.Key} {e.Value.ToString(CultureInfo.InvariantCulture)}"));
        File.Move(_path + ".new", _path, overwrite: true);
    }

    /// <summary>The claims a new session carries besides the credential's: its id and when it was signed in.</summary>
    public IEnumerable<Claim> NewSessionClaims() =>
    [
        new Claim(SessionClaim, Guid.NewGuid().ToString("N")),
        new Claim(SignedInClaim, _time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture)),
    ];

    /// <summary>
    /// False once the session was signed out or has lived its lifetime. A principal without a session
    /// (a bearer token, or a cookie from before sessions carried ids) is judged by its token alone.
    /// </summary>
    public bool IsOpen(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.FindFirstValue(SessionClaim) is not { } id)
        {
            return true;
        }

        return !_ended.ContainsKey(id) && SignedIn(user) is { } at && _time.GetUtcNow() - at < ConsoleAuthentication.SessionLifetime;
    }

    /// <summary>Ends the session for good: its cookie, or any copy of it, is refused from now on.</summary>
    public void End(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.FindFirstValue(SessionClaim) is not { } id)
        {
            return;
        }

        var until = ((SignedIn(user) ?? _time.GetUtcNow()) + ConsoleAuthentication.SessionLifetime).ToUnixTimeSeconds();
        if (_ended.TryAdd(id, until) && _path is not null)
        {
            lock (_writing)
            {
                File.AppendAllLines(_path, [$"{id} {until.ToString(CultureInfo.InvariantCulture)}"]);
            }
        }
    }

    private static DateTimeOffset? SignedIn(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(SignedInClaim), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
