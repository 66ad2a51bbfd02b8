namespace Venue.Domain.Central;

/// <summary>
/// A row of the silo table (the role Orleans' membership table plays): what each edge last reported.
/// Lags are in milliseconds: journal lag is how far behind its own newest entry the edge's upload
/// is; sync lag is how old the edge's ledger is against central's.
/// </summary>
public sealed record SiloRecord(
    string SiloId,
    string Role,
    string Status,
    long JournalSequence,
    long UploadedSequence,
    long LedgerVersion,
    long JournalLagEntries,
    double JournalLagMs,
    double SyncLagMs,
    DateTimeOffset LastSeenAt);
