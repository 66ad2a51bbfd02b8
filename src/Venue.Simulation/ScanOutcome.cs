namespace Venue.Simulation;

/// <summary>What came back for one planned scan.</summary>
public sealed record ScanOutcome(PlannedScan Scan, int Status, string? Result, string? Reason, double RoundTripMs, double? ServerMs, TimeSpan CompletedAt, string? Failure);
