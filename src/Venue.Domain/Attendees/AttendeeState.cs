using Venue.Domain.CheckIn;

namespace Venue.Domain.Attendees;

/// <summary>Where an attendee is, and the answers to their latest scans. Rebuilt from the journal on restart.</summary>
public sealed class AttendeeState
{
    /// <summary>How many recent answers an attendee remembers for retried nonces; scanners retry within seconds.</summary>
    public const int RecentMemory = 8;

    private List<(ScanDirection Direction, ScanResult Result)>? _recent;

    public bool Inside { get; set; }

    public int Entries { get; set; }

    public int Exits { get; set; }

    public string? LastGate { get; set; }

    public DateTimeOffset? LastPassageAt { get; set; }

    /// <summary>Hybrid logical clock of the latest passage, local or remote: what a remote passage must beat to apply.</summary>
    public long LastPassageHlc { get; set; }

    /// <summary>
    /// The answer to a retry: a recent scan at the same gate, with the same nonce and direction. A
    /// nonce seen before with the other direction (a scanner whose counter started again) is a new scan.
    /// </summary>
    public bool TryGetRecent(string gateId, string nonce, ScanDirection direction, out ScanResult result)
    {
        foreach (var (d, r) in _recent ?? [])
        {
            if (r.Nonce == nonce && r.GateId == gateId && d == direction)
            {
                result = r;
                return true;
            }
        }

        result = null!;
        return false;
    }

    public void Remember(ScanDirection direction, ScanResult result)
    {
        _recent ??= new List<(ScanDirection, ScanResult)>(2);
        if (_recent.Count == RecentMemory)
        {
            _recent.RemoveAt(0);
        }

        _recent.Add((direction, result));
    }
}
