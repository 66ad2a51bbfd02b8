namespace Venue.LoadHarness;

/// <summary>Everything one harness run is told on the command line.</summary>
internal sealed record HarnessOptions
{
    public required IReadOnlyList<string> Targets { get; init; }

    /// <summary>Offered checks per second, one fixed-rate latency phase for each.</summary>
    public IReadOnlyList<double> Rates { get; init; } = [1_000, 5_000];

    /// <summary>Length of each measured phase.</summary>
    public double Seconds { get; init; } = 4;

    /// <summary>Concurrent workers in the throughput phase; also each target's connection count.</summary>
    public int Workers { get; init; } = 64;

    public int Attendees { get; init; } = 200_000;

    public int Seed { get; init; } = 42;

    /// <summary>Share of checks that re-present a badge already presented.</summary>
    public double RepeatShare { get; init; } = 0.1;

    public int Gates { get; init; } = 40;

    public double WarmupSeconds { get; init; } = 2;

    /// <summary>The pacer spins (instead of sleeping) for this long before each due time.</summary>
    public double SpinMicroseconds { get; init; } = 25;

    public required string Out { get; init; }

    /// <summary>The command line as typed, for the report.</summary>
    public required string CommandLine { get; init; }
}
