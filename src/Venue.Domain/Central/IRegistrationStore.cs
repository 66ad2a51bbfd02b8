namespace Venue.Domain.Central;

/// <summary>Attendees at central and the ledger versions edges sync by.</summary>
public interface IRegistrationStore
{
    /// <summary>
    /// Inserts or replaces the attendees (by id) and records the revoked token hashes, all in one
    /// transaction: either every row is written or none. Each attendee row and each revoked token
    /// gets the next ledger version, in commit order, so a reader following versions never skips a
    /// change. Returns the rows as stored (with <see cref="RegisteredAttendee.Version"/>).
    /// <paramref name="webhookEvents"/>, given the rows as stored, names the webhook events to queue
    /// in the same transaction (as <see cref="IWebhookStore.EnqueueWebhookEventsAsync"/> would), so
    /// no change commits without its events, nor events without their change.
    /// </summary>
    Task<IReadOnlyList<RegisteredAttendee>> UpsertAttendeesAsync(
        IReadOnlyList<RegisteredAttendee> attendees,
        IReadOnlyList<UInt128> revokedTokens,
        DateTimeOffset at,
        Func<IReadOnlyList<RegisteredAttendee>, IReadOnlyList<WebhookEvent>>? webhookEvents = null,
        CancellationToken cancellationToken = default);

    Task<RegisteredAttendee?> GetAttendeeAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The current ledger version (0 when nothing is registered).</summary>
    Task<long> GetLedgerVersionAsync(CancellationToken cancellationToken = default);

    Task<long> CountAttendeesAsync(CancellationToken cancellationToken = default);

    /// <summary>Changes after <paramref name="afterVersion"/>, at most <paramref name="limit"/> attendees per page.</summary>
    Task<LedgerChanges> ReadLedgerChangesAsync(long afterVersion, int limit, CancellationToken cancellationToken = default);

    /// <summary>
    /// The change that holds ledger version <paramref name="version"/>, as a mark only equality means
    /// anything for (<c>a:{attendee id}</c> or <c>r:{token hash}</c>); null when no change holds it
    /// (superseded, or never handed out). An edge shows it back so central can tell whether the
    /// version it follows from is of this ledger's history (docs/sync-protocol.md).
    /// </summary>
    Task<string?> GetLedgerMarkAsync(long version, CancellationToken cancellationToken = default);

    /// <summary>Opens a consistent whole-ledger read (for snapshots to fresh edges).</summary>
    Task<ILedgerSnapshotView> OpenLedgerSnapshotAsync(CancellationToken cancellationToken = default);
}
