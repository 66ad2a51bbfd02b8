using System.Globalization;

namespace Venue.Hosting.Configuration;

/// <summary>
/// Says what is wrong with a configured duration. The configuration binder reads a bare number as
/// days ("2" is 2.00:00:00), so a value someone meant as seconds lands far above any sensible
/// maximum; the message then says how to write seconds instead.
/// </summary>
public static class DurationProblem
{
    /// <summary>Null when <paramref name="value"/> is within [<paramref name="min"/>, <paramref name="max"/>]; else one line starting with <paramref name="key"/>.</summary>
    public static string? Check(string key, TimeSpan value, TimeSpan min, TimeSpan max) =>
        Describe(value, min, max) is { } problem ? $"{key}: {problem}" : null;

    /// <summary>Null when <paramref name="value"/> is within [<paramref name="min"/>, <paramref name="max"/>]; else what is wrong with it, without its key.</summary>
    public static string? Describe(TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value >= min && value <= max)
        {
            return null;
        }

        return string.Create(CultureInfo.InvariantCulture, $"{value:c} is not between {min:c} and {max:c}.{BareNumberHint(value, max)}");
    }

    /// <summary>The hint for a whole number of days above the maximum (what a bare number becomes); empty otherwise.</summary>
    private static string BareNumberHint(TimeSpan value, TimeSpan max)
    {
        if (value <= max || value.Ticks % TimeSpan.TicksPerDay != 0)
        {
            return "";
        }

        var days = value.Days;
        return string.Create(CultureInfo.InvariantCulture,
            $" A bare number reads as days ('{days}' is {days} day{(days == 1 ? "" : "s")}): for {days} seconds write {TimeSpan.FromSeconds(days):c}.");
    }
}
