using Venue.LoadHarness.Load;

namespace Venue.LoadHarness.ConsoleLoad;

/// <summary>One level of the console benchmark: N stream clients on the edge while it takes the fixed-rate scan load.</summary>
internal sealed record LevelResult(
    int Clients,
    FixedRateResult Scans,
    LatencySummary ServerTiming,
    long JournalEntries,
    IReadOnlyList<long> ScanEventsPerClient,
    int CompleteClients,
    IReadOnlyList<string> Resyncs,
    long Holes,
    IReadOnlyList<string> Failures,
    LatencySummary PublishToClient,
    int SampleEvery,
    LatencySummary SendToClient,
    int Probes,
    double Seconds,
    TimeSpan EdgeCpu,
    TimeSpan HarnessCpu,
    TimeSpan Wall,
    double BytesPerClient,
    string LoadAverage)
{
    /// <summary>Scan events delivered per client per second of the phase: the median client, and the slowest.</summary>
    public (double Median, double Min) EventsPerClientPerSecond =>
        ScanEventsPerClient.Count == 0
            ? (double.NaN, double.NaN)
            : (ScanEventsPerClient.Order().ElementAt(ScanEventsPerClient.Count / 2) / Seconds, ScanEventsPerClient.Min() / Seconds);
}
