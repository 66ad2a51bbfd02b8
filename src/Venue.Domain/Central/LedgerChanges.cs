namespace Venue.Domain.Central;

/// <summary>
/// What changed in the ledger after a version, up to <see cref="Version"/>: the attendees whose
/// rows changed (newest state) and the token hashes revoked (superseded badges). An edge that applies
/// them is at <see cref="Version"/>; <see cref="More"/> says another page follows at once.
/// </summary>
public sealed record LedgerChanges(long Version, IReadOnlyList<RegisteredAttendee> Attendees, IReadOnlyList<UInt128> RevokedTokens, bool More);
