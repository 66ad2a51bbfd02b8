namespace Venue.Domain.Central;

/// <summary>Integrator API keys, stored hashed.</summary>
public interface IApiKeyStore
{
    /// <summary>Creates a key and returns its token, which is never stored and cannot be shown again.</summary>
    Task<(ApiKey Key, string Token)> CreateApiKeyAsync(string name, IReadOnlyList<string> scopes, int requestsPerMinute, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The active key the token belongs to, or null (unknown, wrong secret, or revoked).</summary>
    Task<ApiKey?> AuthenticateApiKeyAsync(string token, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(CancellationToken cancellationToken = default);

    Task<bool> RevokeApiKeyAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);
}
