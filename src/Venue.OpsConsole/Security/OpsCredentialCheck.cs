using Venue.Domain.Devices;

namespace Venue.OpsConsole.Security;

/// <summary>
/// Whether an ops credential is still active, for streams that outlive the request that was
/// authenticated: a revoked token's open stream ends at its next check. Every stream asks; the
/// store is read at most once per <see cref="CacheFor"/> for all of them.
/// </summary>
public sealed class OpsCredentialCheck(IDeviceCredentialStore store, TimeProvider time)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _reading = new(1, 1);
    private HashSet<string> _active = new(StringComparer.Ordinal);
    private long _readAt = long.MinValue;

    public async Task<bool> IsActiveAsync(string credentialId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(credentialId);
        if (!Fresh())
        {
            await _reading.WaitAsync(cancellationToken);
            try
            {
                if (!Fresh())
                {
                    var all = await store.ListAsync(cancellationToken);
                    Volatile.Write(ref _active, all.Where(c => c.IsActive && c.Role == DeviceRole.Ops).Select(c => c.Id).ToHashSet(StringComparer.Ordinal));
                    Volatile.Write(ref _readAt, time.GetTimestamp());
                }
            }
            finally
            {
                _reading.Release();
            }
        }

        return Volatile.Read(ref _active).Contains(credentialId);
    }

    private bool Fresh()
    {
        var at = Volatile.Read(ref _readAt);
        return at != long.MinValue && time.GetElapsedTime(at) < CacheFor;
    }
}
