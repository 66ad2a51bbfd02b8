using System.Globalization;

namespace Venue.TelemetryBench.Reporting;

/// <summary>How figures are written: thousands separators, a sensible number of decimals, the unit.</summary>
internal static class Units
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string PerSecond(double value) => double.IsNaN(value) ? "-" : value.ToString("N0", Invariant) + "/s";

    public static string Count(long value) => value.ToString("N0", Invariant);

    public static string Seconds(double seconds) => double.IsNaN(seconds) ? "-" : seconds.ToString(seconds < 10 ? "0.00" : "0.0", Invariant) + " s";

    /// <summary>Microseconds as µs below 10 ms, else as ms.</summary>
    public static string Micros(double micros) =>
        double.IsNaN(micros) ? "-"
        : micros < 10_000 ? micros.ToString(micros < 10 ? "0.0" : "N0", Invariant) + " µs"
        : (micros / 1000).ToString(micros < 100_000 ? "0.0" : "N0", Invariant) + " ms";

    public static string Millis(double millis) => double.IsNaN(millis) ? "-" : millis.ToString(millis < 10 ? "0.00" : "N1", Invariant) + " ms";

    public static string Ratio(double ratio) =>
        double.IsNaN(ratio) || double.IsInfinity(ratio) ? "-" : ratio.ToString(ratio >= 10 ? "N0" : "0.00", Invariant) + "×";

    public static string Verdict(bool? met) => met switch
    {
        true => "met",
        false => "**not met**",
        null => "not measured",
    };

    public static string Number(double value, string format) => value.ToString(format, Invariant);
}
