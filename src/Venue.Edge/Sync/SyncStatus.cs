using Venue.Domain.Sync;

namespace Venue.Edge.Sync;

/// <summary>
/// How an edge's uplink stands, as <c>/healthz</c> shows it under <c>sync</c> and as the edge reports
/// it to central every <see cref="CentralSyncOptions.StatusEvery"/>. Lags are in milliseconds:
/// journal lag is the age of the oldest entry central has not acknowledged (0: all uploaded); sync
/// lag is the time since central last answered <c>/changes</c> (so on a quiet, healthy link it
/// grows up to <see cref="CentralSyncOptions.ChangesWait"/> between answers to a long poll).
/// </summary>
public sealed record SyncStatus(
    string Status,
    long JournalSequence,
    long UploadedSequence,
    long LedgerVersion,
    long PassagesCursor,
    double JournalLagMs,
    double SyncLagMs,
    long RemotePassagesApplied,
    DateTimeOffset? LastUploadAt,
    DateTimeOffset? LastChangesAt,
    string? LastError)
{
    /// <summary>Central has answered the uplink, and neither the upload's nor the ledger feed's last attempt failed.</summary>
    public const string Online = "online";

    /// <summary>The last attempt of either failed (or central has not answered yet); the edge works on from what it has.</summary>
    public const string Degraded = "degraded";

    public EdgeStatusWire ToWire(string edgeId) =>
        new(edgeId, Status, JournalSequence, UploadedSequence, LedgerVersion, JournalLagMs, SyncLagMs);
}
