using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace Venue.Hosting.Configuration;

/// <summary>
/// Entries of a list in configuration (an edge's gates, central's ticket types) that binding would
/// drop or misread without a word. The binder skips a list entry it cannot convert, so a gate with a
/// mistyped <c>OpensAt</c> vanished and the edge started without it; and a list-valued field given
/// one value (<c>"AllowedTicketTypes": "vip"</c>) binds as no list at all, which for a gate means no
/// restriction. Each entry is bound on its own here to name what is wrong.
/// </summary>
public static class ConfigurationLists
{
    /// <summary>Everything wrong with the entries under <paramref name="path"/>, in words for an operator; empty when each binds as written.</summary>
    public static IReadOnlyList<string> Problems<T>(IConfiguration configuration, string path)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var problems = new List<string>();
        var lists = typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(IsList).ToList();
        foreach (var entry in configuration.GetSection(path).GetChildren())
        {
            var at = $"{path}:{entry.Key}";
            if (!entry.GetChildren().Any())
            {
                problems.Add($"{at}: '{entry.Value}' is not an object with fields.");
                continue;
            }

            var before = problems.Count;
            foreach (var list in lists)
            {
                var field = entry.GetSection(list.Name);
                if (field.Value is { Length: > 0 } single && !field.GetChildren().Any())
                {
                    problems.Add($"{at}:{list.Name}: '{single}' is one value where a list belongs; write [\"{single}\"].");
                }
            }

            if (problems.Count > before)
            {
                continue; // binding it would only fail on the same field
            }

            try
            {
                if (entry.Get<T>() is null)
                {
                    problems.Add($"{at}: could not be read.");
                }
            }
            catch (InvalidOperationException e)
            {
                // "Failed to convert configuration value '...' at 'Edge:Gates:1:OpensAt' to type '...'."
                problems.Add(e.Message);
            }
            catch (Exception e) when (e is ArgumentException or FormatException)
            {
                problems.Add($"{at}: {e.Message}");
            }
        }

        return problems;
    }

    private static bool IsList(PropertyInfo property) =>
        property.PropertyType != typeof(string) && typeof(IEnumerable).IsAssignableFrom(property.PropertyType);
}
