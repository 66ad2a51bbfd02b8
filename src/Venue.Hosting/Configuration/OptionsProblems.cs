using System.ComponentModel.DataAnnotations;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Venue.Hosting.Configuration;

/// <summary>
/// The data-annotation rules of an options object, in words for an operator, one line per broken rule
/// and each naming its configuration key. <see cref="Validator"/> alone looks at one object's own
/// properties: a nested section (<c>Edge:Readers</c>) is checked only where the property carries
/// <see cref="ValidateObjectMembersAttribute"/>, the same mark the host's
/// <c>ValidateDataAnnotations</c> follows, so <c>venue edge</c> and the host agree on what is wrong.
/// </summary>
public static class OptionsProblems
{
    /// <summary>Every broken rule of <paramref name="options"/> and its marked nested sections, as <c>{section}:{key}: {message}</c>.</summary>
    public static List<string> Of(object options, string section)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = new List<string>();
        Collect(options, section, problems);
        return problems;
    }

    private static void Collect(object options, string section, List<string> problems)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true);
        foreach (var result in results)
        {
            problems.Add($"{string.Join(", ", result.MemberNames.Select(m => $"{section}:{m}"))}: {result.ErrorMessage}");
        }

        foreach (var property in options.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length == 0 && property.IsDefined(typeof(ValidateObjectMembersAttribute))
                && property.GetValue(options) is { } nested)
            {
                Collect(nested, $"{section}:{property.Name}", problems);
            }
        }
    }
}
