using Venue.Domain.Sync;

namespace Venue.Central.Silo;

/// <summary>
/// An answer to <c>/changes</c>, with the marks of the changes at its positions (sent as
/// <see cref="SyncHeaders.LedgerAt"/> and <see cref="SyncHeaders.PassagesAt"/>; null when nothing holds them).
/// </summary>
public sealed record ChangesPage(LedgerChangesWire Page, string? LedgerAt, string? PassagesAt);
