using System.Collections.Concurrent;
using System.Net;

namespace Venue.Hosting.Security;

/// <summary>
/// Failed credential checks per client address: after <see cref="Allowed"/> within <see cref="Window"/>,
/// <see cref="RetryAfter"/> says how long that address must wait. Guessing a 256-bit token is hopeless
/// either way; what this stops is one client making every failed attempt a credential-store read
/// (SQLite on an edge, PostgreSQL at central). Only failures count. Once 10,000 addresses are
/// tracked, those whose window has passed are forgotten at the next failure.
/// </summary>
public class FailedAttempts(TimeProvider time, int allowed, TimeSpan window)
{
    private const int MaxTracked = 10_000;

    private readonly ConcurrentDictionary<IPAddress, Failures> _failures = new();

    public int Allowed => allowed;

    public TimeSpan Window => window;

    /// <summary>How long the address must wait before trying again; null when it may try now.</summary>
    public TimeSpan? RetryAfter(IPAddress? address)
    {
        if (address is null || !_failures.TryGetValue(address, out var failures))
        {
            return null;
        }

        lock (failures)
        {
            var left = window - (time.GetUtcNow() - failures.Since);
            return left <= TimeSpan.Zero ? null : failures.Count >= allowed ? left : null;
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
            foreach (var (key, old) in _failures)
            {
                if (now - old.Since >= window)
                {
                    _failures.TryRemove(key, out _);
                }
            }
        }

        var failures = _failures.GetOrAdd(address, _ => new Failures(now));
        lock (failures)
        {
            if (now - failures.Since >= window)
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
