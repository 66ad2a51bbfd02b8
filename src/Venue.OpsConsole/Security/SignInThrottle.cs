using System.Collections.Concurrent;
using System.Net;

namespace Venue.OpsConsole.Security;

/// <summary>
/// Slows down guessing at <c>POST /console/session</c>: after <see cref="FailuresAllowed"/> failed
/// sign-ins from one address within <see cref="Window"/>, that address is answered 429 until the
/// window has passed. Guessing a 256-bit token is hopeless either way; what this stops is one client
/// making every failed attempt a credential-store read (SQLite on an edge, PostgreSQL at central).
/// Successful sign-ins never count, so a console desk signing in many tablets is not held up.
/// </summary>
public sealed class SignInThrottle(TimeProvider time)
{
    public const int FailuresAllowed = 10;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private const int MaxTracked = 10_000;

    private readonly ConcurrentDictionary<IPAddress, Failures> _failures = new();

    /// <summary>How long the address must wait before trying again; null when it may try now.</summary>
    public TimeSpan? RetryAfter(IPAddress? address)
    {
        if (address is null || !_failures.TryGetValue(address, out var failures))
        {
            return null;
        }

        lock (failures)
        {
            var left = Window - (time.GetUtcNow() - failures.Since);
            return left <= TimeSpan.Zero ? null : failures.Count >= FailuresAllowed ? left : null;
        }
    }

    public void Failed(IPAddress? address)
    {
        if (address is null)
        {
            return;
        }

        var now = time.GetUtcNow();
        if (_failures.Count >= MaxTracked)
        {
            // Bounded: addresses whose window has passed are forgotten.
            foreach (var (key, old) in _failures)
            {
                if (now - old.Since >= Window)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }

        var failures = _failures.GetOrAdd(address, _ => new Failures(now));
        lock (failures)
        {
            if (now - failures.Since >= Window)
            {
                failures.Since = now;
                failures.Count = 0;
            }

            failures.Count++;
        }
    }

    private sealed class Failures(DateTimeOffset since)
    {
        public DateTimeOffset Since { get; set; } = since;

        public int Count { get; set; }
    }
}
