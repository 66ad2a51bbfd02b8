namespace Venue.Domain.Central;

/// <summary>
/// An integrator's API key. The token (<c>vak_{id}_{secret}</c>) is shown once; only a hash of the
/// secret is stored. <see cref="RequestsPerMinute"/> is the key's own rate limit.
/// </summary>
public sealed record ApiKey(string Id, string Name, IReadOnlyList<string> Scopes, int RequestsPerMinute, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public bool IsActive => RevokedAt is null;

    public bool Allows(string scope) => Scopes.Contains(scope, StringComparer.Ordinal);
}
