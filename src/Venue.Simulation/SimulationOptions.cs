namespace Venue.Simulation;

/// <summary>How big and how long a simulated morning rush is.</summary>
public sealed record SimulationOptions
{
    public int Attendees { get; init; } = 15_000;

    public int Gates { get; init; } = 40;

    /// <summary>The rush (a morning of arrivals, compressed) lasts this long; follow-up scans run a few seconds past it.</summary>
    public TimeSpan Rush { get; init; } = TimeSpan.FromSeconds(20);

    public int Seed { get; init; } = 42;

    /// <summary>Where the edge keeps its journal; null: a temporary directory removed afterwards.</summary>
    public string? DataDirectory { get; init; }

    public void Validate()
    {
        if (Attendees is < 10 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Attendees), Attendees, "--attendees must be between 10 and 1,000,000.");
        }

        if (Gates is < 2 or > 500)
        {
            throw new ArgumentOutOfRangeException(nameof(Gates), Gates, "--gates must be between 2 and 500.");
        }

        if (Rush < TimeSpan.FromSeconds(1) || Rush > TimeSpan.FromHours(2))
        {
            throw new ArgumentOutOfRangeException(nameof(Rush), Rush, "--duration must be between 1 second and 2 hours.");
        }
    }
}
