namespace Venue.LoadHarness.Targets;

/// <summary>The target cannot run here (its server binary is missing, say); it is reported as skipped.</summary>
public sealed class TargetUnavailableException(string reason) : Exception(reason);
