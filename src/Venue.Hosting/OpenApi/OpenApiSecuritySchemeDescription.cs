using Microsoft.OpenApi;

namespace Venue.Hosting.OpenApi;

/// <summary>How the OpenAPI documents describe one authentication scheme (registered with <see cref="SecurityRequirements.AddOpenApiSecurityScheme"/>).</summary>
/// <param name="AuthenticationScheme">The ASP.NET Core scheme name the authorization policies name.</param>
/// <param name="Describe">The description, made when a document is: it may read options (a cookie's name).</param>
public sealed record OpenApiSecuritySchemeDescription(string AuthenticationScheme, Func<IServiceProvider, OpenApiSecurityScheme> Describe);
