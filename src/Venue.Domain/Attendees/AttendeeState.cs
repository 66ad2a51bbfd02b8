using Venue.Domain.CheckIn;

namespace Venue.Domain.Attendees;

/// <summary>Where an attendee is, and the answers to their latest scans. Rebuilt from the journal on restart.</summary>
public sealed class AttendeeState
{
    /// <summary>How many recent answers an attendee remembers for retried nonces; scanners retry within seconds.</summary>
    public const int RecentMemory = 8;

    private List<ScanResult>? _recent;

    public bool Inside { get; set; }

    public int Entries { get; set; }

    public int Exits { get; set; }

    public string? LastGate { get; set; }

    public DateTimeOffset? LastPassageAt { get; set; }

    /// <summary>Hybrid logical clock of the latest passage, local or remote: what a remote passage must beat to apply.</summary>
    public long LastPassageHlc { get; set; }

    public bool TryGetRecent(string gateId, string nonce, out ScanResult result)
    {
        foreach (var r in _recent ?? [])
        {
            if (r.Nonce == nonce && r.GateId == gateId)
            {
                result = r;
                return true;
            }
        }

        result = null!;
        return false;
    }

    public void Remember(ScanResult result)
    {
        _recent ??= new List<ScanResult>(2);
        if (_recent.Count == RecentMemory)
        {
            _recent.RemoveAt(0);
        }

        _recent.Add(result);
    }
}
