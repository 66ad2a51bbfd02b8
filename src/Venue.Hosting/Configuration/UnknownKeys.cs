using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Venue.Hosting.Configuration;

/// <summary>
/// Configuration keys nothing reads: a typo (<c>UseRabitMq</c>, <c>LayoutPth</c>, <c>Url</c>) that the
/// binder would pass over without a word, leaving the default in force (no readers consumed, no
/// layout, another port). Each section is checked against the options types that bind it.
/// </summary>
public static class UnknownKeys
{
    /// <summary>
    /// Keys under <paramref name="section"/> that no property of <paramref name="type"/> reads, nor of the
    /// types bound to its <paramref name="subsections"/> (e.g. <c>Central:Webhooks</c>, bound on its own).
    /// </summary>
    public static IReadOnlyList<string> Under(IConfiguration configuration, string section, Type type, IReadOnlyDictionary<string, Type>? subsections = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(type);
        var problems = new List<string>();
        var node = configuration.GetSection(section);
        foreach (var child in node.GetChildren())
        {
            if (subsections?.FirstOrDefault(s => string.Equals(s.Key, child.Key, StringComparison.OrdinalIgnoreCase)) is { Value: { } bound })
            {
                Walk(child, bound, $"{section}:{child.Key}", problems);
            }
            else
            {
                Member(child, type, section, problems, subsections?.Keys);
            }
        }

        return problems;
    }

    /// <summary>
    /// Of <paramref name="keys"/> (the top level of a silo's file, as its configuration provider read
    /// it), those not in <paramref name="known"/> (a silo's file holds its sections, Urls and Logging).
    /// </summary>
    public static IReadOnlyList<string> AtTop(IEnumerable<string> keys, IReadOnlyCollection<string> known) =>
        [.. keys.Distinct(StringComparer.OrdinalIgnoreCase)
            .Where(k => !known.Contains(k, StringComparer.OrdinalIgnoreCase))
            .Select(k => $"{k}: not a key this silo reads at the top of its file ({string.Join(", ", known)}); a typo?")];

    private static void Walk(IConfigurationSection node, Type type, string path, List<string> problems)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (IsScalar(type))
        {
            return;
        }

        if (DictionaryValue(type) is { } value)
        {
            foreach (var child in node.GetChildren())
            {
                Walk(child, value, $"{path}:{child.Key}", problems);
            }

            return;
        }

        if (ListElement(type) is { } element)
        {
            foreach (var child in node.GetChildren())
            {
                Walk(child, element, $"{path}:{child.Key}", problems);
            }

            return;
        }

        foreach (var child in node.GetChildren())
        {
            Member(child, type, path, problems, null);
        }
    }

    private static void Member(IConfigurationSection child, Type type, string path, List<string> problems, IEnumerable<string>? alsoKnown)
    {
        var property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        // Only what binding sets: a computed property (JournalPath, from DataDirectory) would be passed over.
        if (property is null || !Bindable(property))
        {
            var names = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(Bindable)
                .Select(p => p.Name).Concat(alsoKnown ?? []).Order(StringComparer.Ordinal);
            problems.Add($"{path}:{child.Key}: not a key venue reads (a typo?); {path} takes {string.Join(", ", names)}.");
            return;
        }

        Walk(child, property.PropertyType, $"{path}:{child.Key}", problems);
    }

    private static bool Bindable(PropertyInfo property) =>
        property.GetIndexParameters().Length == 0
        && (property.SetMethod?.IsPublic == true || (!IsScalar(property.PropertyType) && ListElement(property.PropertyType) is null));

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(TimeOnly) || type == typeof(DateOnly)
            || type == typeof(Guid) || type == typeof(Uri);
    }

    private static Type? DictionaryValue(Type type) =>
        (type.IsGenericType && type.GetGenericTypeDefinition() is var d && (d == typeof(Dictionary<,>) || d == typeof(IDictionary<,>) || d == typeof(IReadOnlyDictionary<,>))
            ? type : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>)))
        ?.GetGenericArguments()[1];

    private static Type? ListElement(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!typeof(IEnumerable).IsAssignableFrom(type))
        {
            return null;
        }

        return (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>)))
            ?.GetGenericArguments()[0];
    }
}
