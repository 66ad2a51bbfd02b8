using Venue.Domain.CheckIn;

namespace Venue.OpsConsole.Model;

/// <summary>A gate's counters as the console keeps them; changed only under the feed's lock.</summary>
internal sealed class GateTally(string id)
{
    private readonly long[] _minuteStamps = new long[ConsoleModel.MinutesKept];
    private readonly long[] _minuteCounts = new long[ConsoleModel.MinutesKept];

    public string Id { get; } = id;

    public string Name { get; set; } = id;

    public string? Zone { get; set; }

    public string? Edge { get; set; }

    public bool Open { get; set; } = true;

    public bool EdgeOnline { get; set; } = true;

    public long Scans { get; private set; }

    public long Admitted { get; private set; }

    public long Exited { get; private set; }

    public long Refused { get; private set; }

    public Dictionary<string, long> Refusals { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset? LastScanAt { get; private set; }

    /// <summary>The status last told to clients.</summary>
    public string Status { get; set; } = "idle";

    /// <summary>Counts a scan; returns the count of its reason and of its minute after it.</summary>
    public (long ReasonCount, long Minute, long MinuteCount) Count(ScanFact scan)
    {
        Scans++;
        long reasonCount;
        switch (scan.Reason)
        {
            case ScanReason.Admitted:
                reasonCount = ++Admitted;
                break;
            case ScanReason.Exited:
                reasonCount = ++Exited;
                break;
            default:
                Refused++;
                var code = scan.Reason.Code();
                Refusals[code] = reasonCount = Refusals.GetValueOrDefault(code) + 1;
                break;
        }

        if (LastScanAt is null || scan.At > LastScanAt)
        {
            LastScanAt = scan.At;
        }

        var minute = MinuteOf(scan.At);
        var slot = (int)(minute % _minuteStamps.Length);
        if (_minuteStamps[slot] < minute)
        {
            _minuteStamps[slot] = minute;
            _minuteCounts[slot] = 0;
        }

        // A scan older than the slot's minute (a late upload at central) is outside the window shown.
        var minuteCount = _minuteStamps[slot] == minute ? ++_minuteCounts[slot] : 0;
        return (reasonCount, minute, minuteCount);
    }

    public string ComputeStatus(DateTimeOffset now) =>
        !EdgeOnline ? "offline"
        : !Open ? "closed"
        : LastScanAt is { } last && now - last <= ConsoleModel.IdleAfter ? "online"
        : "idle";

    public GateView View(DateTimeOffset now)
    {
        var current = MinuteOf(now);
        var minutes = new MinuteCount[_minuteStamps.Length];
        for (var i = 0; i < minutes.Length; i++)
        {
            var minute = current - minutes.Length + 1 + i;
            var slot = (int)(((minute % minutes.Length) + minutes.Length) % minutes.Length);
            minutes[i] = new MinuteCount(minute, _minuteStamps[slot] == minute ? _minuteCounts[slot] : 0);
        }

        return new GateView(Id, Name, Zone, Edge, Status, Scans, Admitted, Exited, Refused,
            new Dictionary<string, long>(Refusals, StringComparer.Ordinal), LastScanAt, minutes);
    }

    public static long MinuteOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;
}
