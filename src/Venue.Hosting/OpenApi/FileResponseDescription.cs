using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Venue.Hosting.OpenApi;

/// <summary>
/// Describes a 200 answer that is not JSON (an image, NDJSON written by hand): a file result or a
/// handler writing the body itself leaves the document's 200 without a content type.
/// </summary>
public static class FileResponseDescription
{
    public static RouteHandlerBuilder DescribeFileResponse(this RouteHandlerBuilder builder, string mediaType, string description, bool binary = false) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Responses ??= [];
            operation.Responses["200"] = new OpenApiResponse
            {
                Description = description,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [mediaType] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = binary ? "binary" : null } },
                },
            };
            return Task.CompletedTask;
        });
}
