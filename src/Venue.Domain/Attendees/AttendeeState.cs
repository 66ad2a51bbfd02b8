using Venue.Domain.CheckIn;

namespace Venue.Domain.Attendees;

/// <summary>Where an attendee is, and the answers to their latest scans. Rebuilt from the journal on restart.</summary>
public sealed class AttendeeState
{
    /// <summary>How many recent answers an attendee remembers for retried nonces; scanners retry within seconds.</summary>
    public const int RecentMemory = 8;

    // The latest answer sits in fields of its own: most attendees scan once or twice a day, and an
    // edge holds this state for each of up to a million of them, so no list until a second answer.
    private ScanResult? _latest;
    private ScanDirection _latestDirection;
    private Queue<(ScanDirection Direction, ScanResult Result)>? _earlier;

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
        if (_latest is { } latest && Matches(latest, _latestDirection))
        {
            result = latest;
            return true;
        }

        foreach (var (d, r) in _earlier ?? [])
        {
            if (Matches(r, d))
            {
                result = r;
                return true;
            }
        }

        result = null!;
        return false;

        bool Matches(ScanResult r, ScanDirection d) => r.Nonce == nonce && r.GateId == gateId && d == direction;
    }

    public void Remember(ScanDirection direction, ScanResult result)
    {
        if (_latest is { } latest)
        {
            _earlier ??= new(RecentMemory - 1);
            if (_earlier.Count == RecentMemory - 1)
            {
                _earlier.Dequeue();
            }

            _earlier.Enqueue((_latestDirection, latest));
        }

        _latest = result;
        _latestDirection = direction;
    }
}
