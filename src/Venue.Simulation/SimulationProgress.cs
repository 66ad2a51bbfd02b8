namespace Venue.Simulation;

/// <summary>A snapshot of a running simulation, for a live display. <see cref="Link"/> says which edge is cut off, if one is.</summary>
public sealed record SimulationProgress(
    string Phase,
    int Planned,
    int Sent,
    int Admitted,
    int Refused,
    int BadRequests,
    TimeSpan Elapsed,
    double RoundTripP99Ms,
    string? Link = null);
