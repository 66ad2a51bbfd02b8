namespace Venue.Domain.Gates;

/// <summary>A gate's state and counters as the scanner API and consoles show them.</summary>
public sealed record GateStatus(
    string GateId,
    string Name,
    string? Zone,
    bool Open,
    long Scans,
    long Admitted,
    long Exited,
    long Refused,
    IReadOnlyDictionary<string, long> ByReason,
    DateTimeOffset? LastScanAt);
