using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Venue.Hosting.OpenApi;

/// <summary>
/// Describes a request body in the OpenAPI document. Not <c>Accepts(...)</c>: that metadata makes
/// routing answer other media types with a bare 415 before authentication runs (so a request
/// without credentials got 415, not 401) and before the endpoint can say what it takes. Every
/// endpoint described this way checks its content type itself.
/// </summary>
public static class RequestBodyDescription
{
    public static RouteHandlerBuilder DescribeBody(this RouteHandlerBuilder builder, Type? schema, params string[] mediaTypes) =>
        builder.DescribeBody([.. mediaTypes.Select(m => (m, schema))]);

    /// <summary>A body whose shape depends on its media type (an import as a JSON array or as CSV text).</summary>
    public static RouteHandlerBuilder DescribeBody(this RouteHandlerBuilder builder, params (string MediaType, Type? Schema)[] bodies) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var content = new Dictionary<string, OpenApiMediaType>();
            foreach (var (mediaType, schema) in bodies)
            {
                content[mediaType] = new OpenApiMediaType
                {
                    Schema = schema is null ? null : await context.GetOrCreateSchemaAsync(schema, null, cancellationToken),
                };
            }

            operation.RequestBody = new OpenApiRequestBody { Required = true, Content = content };
        });
}
