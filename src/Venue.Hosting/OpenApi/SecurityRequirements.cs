using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace Venue.Hosting.OpenApi;

/// <summary>
/// Puts the credentials each operation takes into the OpenAPI document: <c>components.securitySchemes</c>
/// and a <c>security</c> requirement per operation, read from the authentication schemes of the
/// operation's authorization policies, so the document cannot name a credential the endpoint refuses.
/// A scheme appears once something registered its description (<see cref="AddOpenApiSecurityScheme"/>).
/// </summary>
public static class SecurityRequirements
{
    public static IServiceCollection AddOpenApiSecurityScheme(this IServiceCollection services, string authenticationScheme, Func<IServiceProvider, OpenApiSecurityScheme> describe)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddSingleton(new OpenApiSecuritySchemeDescription(authenticationScheme, describe));
    }

    /// <summary>An <c>Authorization: Bearer</c> credential, as every Venue token is sent.</summary>
    public static OpenApiSecurityScheme Bearer(string format, string description) => new()
    {
        Type = SecuritySchemeType.Http,
        Scheme = "bearer",
        BearerFormat = format,
        Description = description,
    };

    public static OpenApiOptions DescribeSecurity(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddOperationTransformer(async (operation, context, _) =>
        {
            var metadata = context.Description.ActionDescriptor.EndpointMetadata;
            var authorize = metadata.OfType<IAuthorizeData>().ToList();
            if (authorize.Count == 0 || metadata.OfType<IAllowAnonymous>().Any() || context.Document is not { } document)
            {
                return;
            }

            var services = context.ApplicationServices;
            var policy = await AuthorizationPolicy.CombineAsync(services.GetRequiredService<IAuthorizationPolicyProvider>(), authorize, metadata.OfType<AuthorizationPolicy>());
            if (policy is null)
            {
                return;
            }

            var schemes = policy.AuthenticationSchemes.ToList();
            if (schemes.Count == 0 && await services.GetRequiredService<IAuthenticationSchemeProvider>().GetDefaultAuthenticateSchemeAsync() is { } fallback)
            {
                schemes.Add(fallback.Name);
            }

            var descriptions = services.GetServices<OpenApiSecuritySchemeDescription>().ToList();
            var needed = Needed(policy);
            foreach (var scheme in schemes.Distinct(StringComparer.Ordinal))
            {
                if (descriptions.FirstOrDefault(d => d.AuthenticationScheme == scheme) is not { } description)
                {
                    continue;
                }

                if (document.Components?.SecuritySchemes?.ContainsKey(scheme) != true)
                {
                    document.AddComponent(scheme, description.Describe(services));
                }

                // Each requirement alone suffices (OpenAPI ORs them): any one of the policy's schemes.
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, document)] = [.. needed] });
            }
        });
        return options;
    }

    /// <summary>
    /// The role or scope the credential must carry, as OpenAPI 3.1 lets a requirement list them: only
    /// requirements naming a single value, since every listed value is needed (a role out of several is left to the 403).
    /// </summary>
    private static IEnumerable<string> Needed(AuthorizationPolicy policy) =>
        policy.Requirements.OfType<RolesAuthorizationRequirement>().Where(r => r.AllowedRoles.Count() == 1).Select(r => r.AllowedRoles.Single())
            .Concat(policy.Requirements.OfType<ClaimsAuthorizationRequirement>().Where(r => r.AllowedValues?.Count() == 1).Select(r => r.AllowedValues!.Single()))
            .Distinct(StringComparer.Ordinal);
}
