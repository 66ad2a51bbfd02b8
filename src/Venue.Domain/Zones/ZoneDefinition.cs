using Venue.Domain.Telemetry;

namespace Venue.Domain.Zones;

/// <summary>
/// A zone of the venue layout: a floor area whose occupancy is counted. Thresholds are fractions of
/// <see cref="Capacity"/>; a level is left only when occupancy falls below its threshold minus
/// <see cref="Hysteresis"/>, so a crowd hovering at 90 % does not flap the alert.
/// </summary>
public sealed record ZoneDefinition(
    string Id,
    string Name,
    int Capacity,
    double Warn = 0.80,
    double Alert = 0.90,
    double Full = 1.00,
    double Hysteresis = 0.05)
{
    // Guards against 0.9 * 100 coming out as 90.00000000000001 and moving a threshold by one person.
    private const double Epsilon = 1e-9;

    /// <summary>The occupancy at or above which <paramref name="level"/> is raised.</summary>
    public int RaiseAt(ZoneLevel level) => level == ZoneLevel.Normal ? 0 : Count(Fraction(level));

    /// <summary>
    /// The occupancy below which <paramref name="level"/> clears: with any hysteresis at least one person
    /// under where it was raised, or a room of 10 (where 5 % is half a person) would raise and clear Full
    /// each time one person stepped in and out; and never below 1, so an empty zone is Normal.
    /// </summary>
    public int ClearBelow(ZoneLevel level)
    {
        if (level == ZoneLevel.Normal)
        {
            return 0;
        }

        var raise = RaiseAt(level);
        return Hysteresis > 0 ? Math.Max(1, Math.Min(Count(Fraction(level) - Hysteresis), raise - 1)) : raise;
    }

    /// <summary>The level in force at <paramref name="occupancy"/> when <paramref name="current"/> was in force before.</summary>
    public ZoneLevel NextLevel(ZoneLevel current, int occupancy)
    {
        var level = current;
        while (level < ZoneLevel.Full && occupancy >= RaiseAt(level + 1))
        {
            level++;
        }

        while (level > ZoneLevel.Normal && occupancy < ClearBelow(level))
        {
            level--;
        }

        return level;
    }

    private double Fraction(ZoneLevel level) => level switch
    {
        ZoneLevel.Warn => Warn,
        ZoneLevel.Alert => Alert,
        _ => Full,
    };

    private int Count(double fraction) => Math.Max(0, (int)Math.Ceiling((fraction * Capacity) - Epsilon));
}
