using System.Globalization;

namespace Venue.SyncBench.Reporting;

/// <summary>How figures are written: thousands separators, a sensible number of decimals, the unit.</summary>
internal static class Units
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string PerSecond(double value) => double.IsNaN(value) ? "-" : value.ToString("N0", Invariant) + "/s";

    public static string Seconds(double seconds) =>
        double.IsNaN(seconds) ? "-" : seconds.ToString(seconds < 10 ? "0.00" : "0.0", Invariant) + " s";

    public static string Seconds(TimeSpan time) => Seconds(time.TotalSeconds);

    public static string Millis(double milliseconds) =>
        double.IsNaN(milliseconds) ? "-" : milliseconds.ToString(milliseconds < 10 ? "0.0" : "N0", Invariant) + " ms";

    public static string Megabytes(double bytes) => (bytes / (1024.0 * 1024)).ToString("0.0", Invariant) + " MB";

    public static string Count(long value) => value.ToString("N0", Invariant);

    /// <summary>A ratio, as the load harness writes them: two decimals below 10, whole above.</summary>
    public static string Ratio(double ratio) =>
        double.IsNaN(ratio) || double.IsInfinity(ratio) ? "-" : ratio.ToString(ratio >= 10 ? "0" : "0.00", Invariant) + "×";

    public static string Verdict(bool? met) => met switch
    {
        true => "met",
        false => "**not met**",
        null => "not measured",
    };
}
