using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Venue.Hosting.OpenApi;

/// <summary>
/// Describes a query parameter the endpoint binds as text and parses itself (so that a bad value gets
/// a problem with a <c>detail</c>, not binding's bare 400) as the number it really is.
/// </summary>
public static class QueryParameterDescription
{
    public static RouteHandlerBuilder DescribeQueryNumber(this RouteHandlerBuilder builder, string name, bool integer, double minimum, double maximum, string description) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.Parameters?.OfType<OpenApiParameter>().FirstOrDefault(p => p.In == ParameterLocation.Query && p.Name == name) is { } parameter)
            {
                parameter.Description = description;
                parameter.Schema = new OpenApiSchema
                {
                    Type = integer ? JsonSchemaType.Integer : JsonSchemaType.Number,
                    Format = integer ? "int64" : "double",
                    Minimum = minimum.ToString(CultureInfo.InvariantCulture),
                    Maximum = maximum.ToString(CultureInfo.InvariantCulture),
                };
            }

            return Task.CompletedTask;
        });
}
