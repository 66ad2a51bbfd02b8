using Venue.Domain.CheckIn;

namespace Venue.Domain.Gates;

/// <summary>
/// A gate's counters, and the nonces of scans whose badge named no attendee, per direction (those
/// of known attendees are remembered by the attendee's grain). Rebuilt from the journal on restart,
/// so a scanner retrying after an edge restart still gets its first answer.
/// </summary>
public sealed class GateState
{
    /// <summary>How many recent nonces a gate remembers; scanners retry within seconds.</summary>
    public const int NonceMemory = 8192;

    private readonly Dictionary<(ScanDirection, string), ScanResult> _nonces = [];
    private readonly Queue<(ScanDirection, string)> _nonceOrder = new();

    public long[] ByReason { get; } = new long[ScanReasons.AllCodes.Count];

    public long Scans { get; private set; }

    public DateTimeOffset? LastScanAt { get; private set; }

    public bool TryGetNonce(ScanDirection direction, string nonce, out ScanResult result) => _nonces.TryGetValue((direction, nonce), out result!);

    /// <summary>Counts a scan answered at this gate.</summary>
    public void Count(ScanResult result)
    {
        Scans++;
        ByReason[(int)result.Reason]++;
        if (LastScanAt is null || result.At > LastScanAt)
        {
            LastScanAt = result.At;
        }
    }

    /// <summary>Remembers the answer to a nonce in a direction, forgetting the oldest beyond <see cref="NonceMemory"/>.</summary>
    public void Remember(ScanDirection direction, ScanResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (_nonces.TryAdd((direction, result.Nonce), result))
        {
            _nonceOrder.Enqueue((direction, result.Nonce));
            if (_nonceOrder.Count > NonceMemory)
            {
                _nonces.Remove(_nonceOrder.Dequeue());
            }
        }
    }
}
