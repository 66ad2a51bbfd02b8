namespace Venue.LoadHarness.ConsoleLoad;

/// <summary>Everything one console benchmark run is told on the command line.</summary>
internal sealed record ConsoleLoadOptions
{
    /// <summary>Stream clients of each level, in the order run (0 is the peer: the same edge with no console open).</summary>
    public IReadOnlyList<int> Clients { get; init; } = [0, 50, 200, 400, 0];

    /// <summary>Scans offered per second while the clients listen.</summary>
    public double Rate { get; init; } = 5_000;

    /// <summary>Length of each level's fixed-rate phase.</summary>
    public double Seconds { get; init; } = 10;

    public int Gates { get; init; } = 40;

    public int Seed { get; init; } = 42;

    public double RepeatShare { get; init; } = 0.1;

    /// <summary>Closed-loop warm-up of the edge process before the first level (at least 20 s, see VenueHttpTarget).</summary>
    public double WarmupSeconds { get; init; } = 20;

    /// <summary>Clients per level that also time each scan from its send (the rest time the fan-out only).</summary>
    public int ProbeClients { get; init; } = 8;

    /// <summary>The pacer spins (instead of sleeping) for this long before each due time.</summary>
    public double SpinMicroseconds { get; init; } = 25;

    public required string Out { get; init; }

    /// <summary>The command line as typed, for the report.</summary>
    public required string CommandLine { get; init; }
}
