using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Venue.Domain.Central;

namespace Venue.Central.Security;

/// <summary>
/// Checks integrator tokens against the key store, remembering a good answer for
/// <see cref="CacheFor"/> so a busy integrator does not cost a store read and a hash per request.
/// Only successes are cached (a key created a moment ago works at once); a revocation made by
/// another process (<c>venue keys api revoke</c>) takes effect within <see cref="CacheFor"/>.
/// </summary>
public sealed class ApiKeyAuthenticator(IApiKeyStore store, TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    private const int MaxCached = 10_000;

    // Keyed by a hash of the whole token, never the token itself.
    private readonly ConcurrentDictionary<string, (ApiKey Key, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);

    /// <summary>The key a token was found to be within <see cref="CacheFor"/>, without reading the store; null otherwise.</summary>
    public ApiKey? Cached(string token) => Plausible(token) ? CachedUnder(CacheKey(token), time.GetUtcNow()) : null;

    public async Task<ApiKey?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (!Plausible(token))
        {
            return null;
        }

        var cacheKey = CacheKey(token);
        var now = time.GetUtcNow();
        if (CachedUnder(cacheKey, now) is { } cached)
        {
            return cached;
        }

        var key = await store.AuthenticateApiKeyAsync(token, cancellationToken);
        if (key is null)
        {
            _cache.TryRemove(cacheKey, out _);
            return null;
        }

        if (_cache.Count >= MaxCached)
        {
            _cache.Clear();
        }

        _cache[cacheKey] = (key, now + CacheFor);
        return key;
    }

    private static bool Plausible(string token) => !string.IsNullOrEmpty(token) && token.Length <= 512;

    private static string CacheKey(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private ApiKey? CachedUnder(string cacheKey, DateTimeOffset now) =>
        _cache.TryGetValue(cacheKey, out var cached) && cached.Until > now ? cached.Key : null;
}
