namespace Venue.Domain.Sync;

/// <summary>HTTP headers of the sync protocol.</summary>
public static class SyncHeaders
{
    /// <summary>On a ledger snapshot: the ledger version it reflects.</summary>
    public const string LedgerVersion = "Venue-Ledger-Version";

    /// <summary>On a ledger snapshot: the passage feed cursor at the time of the snapshot.</summary>
    public const string PassagesCursor = "Venue-Passages-Cursor";

    /// <summary>
    /// On an answer to <c>/changes</c>: a mark of the change that holds the answer's ledger version.
    /// The edge sends it back as <c>ledgerAt</c> with its next request, so central can tell whether that
    /// version still names the same change here (it does not after central was restored from an
    /// older backup and handed the number out again).
    /// </summary>
    public const string LedgerAt = "Venue-Ledger-At";

    /// <summary>On an answer to <c>/changes</c>: a mark of the entry at the answer's passage cursor; sent back as <c>passagesAt</c>.</summary>
    public const string PassagesAt = "Venue-Passages-At";

    /// <summary>
    /// On every request of an edge that holds a ledger: the event id of that ledger. Central refuses a
    /// request naming another event (409), so an edge seeded with the wrong ledger neither uploads its
    /// scans into this event nor follows its changes.
    /// </summary>
    public const string Event = "Venue-Event";

    /// <summary>
    /// On an answer to <c>/changes</c>: the fingerprint of the public keys central honours
    /// (<see cref="Tickets.TicketKeyRing.FingerprintOf"/>). An edge whose ring differs fetches
    /// <c>/v1/sync/keys</c> and holds exactly those, so a rotation reaches edges that already have a ledger.
    /// </summary>
    public const string Keys = "Venue-Keys";
}
