using Microsoft.AspNetCore.Authorization;
using Venue.Domain.Central;

namespace Venue.Central.Security;

/// <summary>
/// Authorization policies for integrator API keys: <see cref="AnyKey"/> (any active key) and one per
/// <see cref="ApiScope"/> constant, named <c>apikey:{scope}</c> (see <see cref="For"/>).
/// </summary>
public static class ApiKeyPolicies
{
    public const string AnyKey = "apikey";
    private const string Prefix = "apikey:";

    public static string For(string scope) =>
        ApiScope.IsKnown(scope) ? Prefix + scope : throw new ArgumentException($"'{scope}' is not an API scope.", nameof(scope));

    /// <summary>The scope a policy name stands for, or null when it is not a scope policy.</summary>
    public static string? ScopeOf(string? policy) =>
        policy is not null && policy.StartsWith(Prefix, StringComparison.Ordinal) ? policy[Prefix.Length..] : null;

    public static AuthorizationBuilder AddApiKeyPolicies(this AuthorizationBuilder builder)
    {
        builder.AddPolicy(AnyKey, p => p.AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser());
        foreach (var scope in ApiScope.All)
        {
            builder.AddPolicy(Prefix + scope, p => p
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .RequireClaim(ApiKeyAuthenticationHandler.ScopeClaim, scope));
        }

        return builder;
    }
}
