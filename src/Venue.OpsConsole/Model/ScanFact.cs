using Venue.Domain.CheckIn;

namespace Venue.OpsConsole.Model;

/// <summary>A scan as a silo learned it (from the edge's journal, or from an edge's upload at central).</summary>
public sealed record ScanFact(string Gate, string? Edge, ScanDirection Direction, ScanReason Reason, string? Attendee, DateTimeOffset At, long Journal);
