using Venue.Domain.CheckIn;

namespace Venue.Simulation;

/// <summary>What a planned scan is for; decides what the verdict expects of it.</summary>
public enum ScanKind
{
    Arrival,
    Duplicate,
    Simultaneous,
    Retry,
    Exit,
    Reentry,
    WrongGate,
    Revoked,
    NextDay,
    Forged,
    UnknownKey,
    Malformed,
    BadRequest,

    /// <summary>The badge again at another edge's gate a few seconds after its admission, with every link up: refused as already inside.</summary>
    OtherEdge,

    /// <summary>The badge again at another edge while one of the two is cut off: both admit, and central must raise a conflict.</summary>
    PartitionDouble,
}

/// <summary>
/// One scan a simulated scanner will send at <see cref="At"/> after the start. <see cref="Expected"/>
/// is set where the outcome is certain whatever the timing; races are checked by group instead.
/// </summary>
public sealed record PlannedScan(
    TimeSpan At,
    string GateId,
    string Token,
    ScanDirection Direction,
    string Nonce,
    ScanKind Kind,
    string? AttendeeId,
    ScanReason? Expected)
{
    /// <summary>For <see cref="ScanKind.Simultaneous"/>: the other half of the pair is sent at the same instant.</summary>
    public PlannedScan? Twin { get; init; }
}
