using Venue.Domain.CheckIn;

namespace Venue.Domain.Attendees;

/// <summary>
/// A scan of this attendee's badge, already validated: <see cref="Refusal"/> is set when the badge
/// itself was refused (revoked, wrong gate...), otherwise presence decides.
/// </summary>
public sealed record AttendeeScan(
    string GateId,
    ScanDirection Direction,
    string Nonce,
    DateTimeOffset ScannedAt,
    ScanReason? Refusal,
    bool ReentryAllowed,
    AttendeeSummary? Attendee);

/// <summary>The answer, and whether it is a remembered one (a retried nonce) rather than a new scan.</summary>
public sealed record AttendeeScanOutcome(ScanResult Result, bool Replayed);
