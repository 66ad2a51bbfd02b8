using System.Globalization;

namespace Venue.Edge.ScannerApi;

/// <summary>
/// The <c>Server-Timing</c> header of a scan's answer, written by the edge and read by scanners that
/// keep the edge's own time apart from the network's (the simulator, the load harness):
/// <c>checkin;dur=0.123, request;dur=0.456</c>, in milliseconds. <c>request</c> is missing when the
/// request's start was not noted.
/// </summary>
public static class ScanServerTiming
{
    public const string Header = "Server-Timing";

    public static string Format(TimeSpan checkIn, TimeSpan? request) => request is { } r
        ? string.Create(CultureInfo.InvariantCulture, $"checkin;dur={checkIn.TotalMilliseconds:0.###}, request;dur={r.TotalMilliseconds:0.###}")
        : string.Create(CultureInfo.InvariantCulture, $"checkin;dur={checkIn.TotalMilliseconds:0.###}");

    /// <summary>
    /// Reads the check-in's and the request's times from the header's values (HttpClient hands a
    /// header it does not know as one value, commas and all); a metric missing or unreadable is null.
    /// </summary>
    public static (double? CheckInMs, double? RequestMs) Read(IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        double? checkIn = null, request = null;
        foreach (var value in values)
        {
            foreach (var metric in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var at = metric.IndexOf(";dur=", StringComparison.Ordinal);
                if (at < 0 || !double.TryParse(metric.AsSpan(at + 5), NumberStyles.Float, CultureInfo.InvariantCulture, out var ms))
                {
                    continue;
                }

                switch (metric[..at])
                {
                    case "checkin":
                        checkIn = ms;
                        break;
                    case "request":
                        request = ms;
                        break;
                }
            }
        }

        return (checkIn, request);
    }
}
