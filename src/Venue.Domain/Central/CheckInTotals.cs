using Venue.Domain.CheckIn;

namespace Venue.Domain.Central;

/// <summary>Counts over every check-in central holds.</summary>
public sealed record CheckInTotals(
    long Entries,
    long Late,
    IReadOnlyDictionary<ScanReason, long> ByReason,
    IReadOnlyDictionary<string, long> ByEdge);
