namespace Venue.Domain.Sync;

/// <summary>HTTP headers of the sync protocol.</summary>
public static class SyncHeaders
{
    /// <summary>On a ledger snapshot: the ledger version it reflects.</summary>
    public const string LedgerVersion = "Venue-Ledger-Version";

    /// <summary>On a ledger snapshot: the passage feed cursor at the time of the snapshot.</summary>
    public const string PassagesCursor = "Venue-Passages-Cursor";
}
