using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.OpenApi;

namespace Venue.Hosting.OpenApi;

/// <summary>
/// Keeps <c>required</c> in the OpenAPI document true to the JSON a silo sends. The generator calls
/// every constructor parameter required, nullable ones too, but a host whose serializer leaves nulls
/// out sends no <c>attendee</c> for a refused scan: such a property may be absent, so it is not
/// required. A request property the server insists on keeps its place with <see cref="RequiredAttribute"/>.
/// </summary>
public static class OmittedNullProperties
{
    public static OpenApiOptions DescribeOmittedNulls(this OpenApiOptions options)
    {
        options.AddSchemaTransformer((schema, context, _) =>
        {
            var type = context.JsonTypeInfo;
            if (type.Kind == JsonTypeInfoKind.Object && schema.Required is { Count: > 0 } required
                && type.Options.DefaultIgnoreCondition is JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault)
            {
                foreach (var property in type.Properties.Where(p => MayBeNull(p) && !Insisted(p)))
                {
                    required.Remove(property.Name);
                }
            }

            return Task.CompletedTask;
        });
        return options;
    }

    private static bool MayBeNull(JsonPropertyInfo property) =>
        Nullable.GetUnderlyingType(property.PropertyType) is not null || (!property.PropertyType.IsValueType && property.IsGetNullable);

    private static bool Insisted(JsonPropertyInfo property) =>
        property.AttributeProvider?.IsDefined(typeof(RequiredAttribute), inherit: true) == true;
}
