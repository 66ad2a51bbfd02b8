using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Venue.Hosting.Configuration;

/// <summary>
/// A duration option's bounds, both inclusive, written as <c>hh:mm:ss</c>. Unlike a
/// <see cref="RangeAttribute"/> on a TimeSpan, its message explains a bare number (which binds as days).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DurationRangeAttribute(string minimum, string maximum) : ValidationAttribute
{
    public TimeSpan Minimum { get; } = TimeSpan.Parse(minimum, CultureInfo.InvariantCulture);

    public TimeSpan Maximum { get; } = TimeSpan.Parse(maximum, CultureInfo.InvariantCulture);

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        if (value is not TimeSpan duration || DurationProblem.Describe(duration, Minimum, Maximum) is not { } problem)
        {
            return ValidationResult.Success;
        }

        return new ValidationResult(problem, validationContext.MemberName is { } member ? [member] : null);
    }
}
