using System.Collections.Concurrent;
using Venue.Domain.Devices;

namespace Venue.Storage;

/// <summary>
/// Device look-ups remembered for a while, shared by the SQLite and PostgreSQL credential stores
/// (linked into the latter). Age is kept on the monotonic clock, so a wall-clock step back cannot
/// keep a credential revoked elsewhere alive for the size of the step. A revocation through the same
/// store bumps a generation: a look-up that read the row before the revocation does not put the
/// stale, still active credential back.
/// </summary>
internal sealed class DeviceCredentialCache(TimeProvider time, TimeSpan lifetime)
{
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _generation;

    /// <summary>Read before looking a device up; hand it to <see cref="Put"/>.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    public bool TryGet(string id, out DeviceCredential credential, out byte[] hash)
    {
        if (_entries.TryGetValue(id, out var entry) && time.GetElapsedTime(entry.Since) <= lifetime)
        {
            (credential, hash) = (entry.Credential, entry.Hash);
            return true;
        }

        (credential, hash) = (null!, null!);
        return false;
    }

    /// <summary>Remembers what a look-up begun at <paramref name="generation"/> read, unless a revocation came in between.</summary>
    public void Put(string id, DeviceCredential credential, byte[] hash, long generation)
    {
        var entry = new Entry(credential, hash, time.GetTimestamp());
        _entries[id] = entry;
        // Checked after the write: a revocation either came before it (and the entry goes again here)
        // or after it (and removed it).
        if (Generation != generation)
        {
            _entries.TryRemove(new KeyValuePair<string, Entry>(id, entry));
        }
    }

    public void Revoked(string id)
    {
        Interlocked.Increment(ref _generation);
        _entries.TryRemove(id, out _);
    }

    private sealed record Entry(DeviceCredential Credential, byte[] Hash, long Since);
}
