using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Venue.Hosting.OpenApi;

/// <summary>
/// Adds the <c>errors</c> member to the document's problem schema: the 400 and 422 answers that name
/// fields or rows carry it, but it is an extension member, which the generated schema knows nothing of.
/// </summary>
public static class ProblemErrorsDescription
{
    /// <param name="errors">The member's shape in this API: field to messages at the edge, a list of row errors for integrators.</param>
    public static OpenApiOptions DescribeProblemErrors(this OpenApiOptions options, Type errors, string description)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AddSchemaTransformer(async (schema, context, cancellationToken) =>
        {
            if (context.JsonTypeInfo.Type != typeof(ProblemDetails) || context.JsonPropertyInfo is not null)
            {
                return;
            }

            var shape = await context.GetOrCreateSchemaAsync(errors, null, cancellationToken);
            shape.Description = description;
            schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
            schema.Properties["errors"] = shape;
        });
        return options;
    }
}
