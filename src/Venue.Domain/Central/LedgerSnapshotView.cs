namespace Venue.Domain.Central;

/// <summary>
/// A consistent read of the whole ledger at one version (one database snapshot): every attendee and
/// every revoked token as of <see cref="Version"/>, streamed. Dispose it to end the read.
/// </summary>
public interface ILedgerSnapshotView : IAsyncDisposable
{
    long Version { get; }

    IAsyncEnumerable<RegisteredAttendee> ReadAttendeesAsync(CancellationToken cancellationToken = default);

    IAsyncEnumerable<UInt128> ReadRevokedTokensAsync(CancellationToken cancellationToken = default);
}
