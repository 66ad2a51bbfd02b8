using Venue.Domain.Sessions;
using Venue.Domain.Telemetry;

namespace Venue.Domain.Zones;

/// <summary>A zone's live state, rebuilt by replaying the read journal on restart.</summary>
public sealed class ZoneState
{
    /// <summary>The series keeps this many minutes back from its latest minute.</summary>
    public const int SeriesMinutes = 24 * 60;

    /// <summary>Percentiles are taken over this many most recent stays; the mean covers all of them.</summary>
    public const int DwellSample = 10_000;

    public Dictionary<string, DateTimeOffset> Occupants { get; } = new(StringComparer.Ordinal);

    public ZoneLevel Level { get; set; }

    public int Peak { get; set; }

    public DateTimeOffset? PeakAt { get; set; }

    public long Entries { get; set; }

    public long Exits { get; set; }

    public long NotAdmittedEntries { get; set; }

    public DateTimeOffset? LastChangeAt { get; set; }

    /// <summary>By minute, oldest first.</summary>
    public List<MinuteCounts> Minutes { get; } = [];

    public long CompletedStays { get; set; }

    public double TotalDwellSeconds { get; set; }

    /// <summary>A ring of the latest <see cref="DwellSample"/> stay durations, in seconds.</summary>
    public List<double> RecentDwellSeconds { get; } = [];

    public int NextDwellSlot { get; set; }

    public Dictionary<string, SessionAttendance> Sessions { get; } = new(StringComparer.Ordinal);

    public void RecordDwell(TimeSpan stay)
    {
        CompletedStays++;
        TotalDwellSeconds += stay.TotalSeconds;
        if (RecentDwellSeconds.Count < DwellSample)
        {
            RecentDwellSeconds.Add(stay.TotalSeconds);
        }
        else
        {
            RecentDwellSeconds[NextDwellSlot] = stay.TotalSeconds;
            NextDwellSlot = (NextDwellSlot + 1) % DwellSample;
        }
    }

    /// <summary>
    /// Counts a change of occupancy from <paramref name="before"/> to <paramref name="after"/> in the minute of <paramref name="at"/>.
    /// <paramref name="before"/> and <paramref name="after"/> are the occupancy now, so a late movement (a reader
    /// replaying its buffer) counts in its past minute's entries or exits but does not raise that
    /// minute's peak to today's crowd: a past minute it creates starts at the peak of the minute kept before it.
    /// </summary>
    public void RecordMinute(DateTimeOffset at, int before, int after)
    {
        var minute = at.UtcTicks / TimeSpan.TicksPerMinute;
        var late = Minutes.Count > 0 && minute < Minutes[^1].Minute;
        MinuteCounts counts;
        if (Minutes.Count > 0 && Minutes[^1].Minute == minute)
        {
            counts = Minutes[^1];
        }
        else
        {
            // A late movement may land in an earlier minute: find or insert it in order.
            var index = Minutes.FindLastIndex(m => m.Minute <= minute);
            if (index >= 0 && Minutes[index].Minute == minute)
            {
                counts = Minutes[index];
            }
            else
            {
                if (Minutes.Count > 0 && minute <= Minutes[^1].Minute - SeriesMinutes)
                {
                    return; // older than the series keeps
                }

                var peak = !late ? before : index >= 0 ? Minutes[index].Peak : Math.Max(0, after - before);
                counts = new MinuteCounts { Minute = minute, Peak = peak };
                Minutes.Insert(index + 1, counts);
                var oldest = Minutes[^1].Minute - SeriesMinutes;
                var drop = 0;
                while (drop < Minutes.Count && Minutes[drop].Minute <= oldest)
                {
                    drop++;
                }

                Minutes.RemoveRange(0, drop);
            }
        }

        if (!late)
        {
            counts.Peak = Math.Max(counts.Peak, after);
        }

        if (after > before)
        {
            counts.Entries++;
        }
        else
        {
            counts.Exits++;
        }
    }

    public sealed class MinuteCounts
    {
        public long Minute { get; init; }

        public int Peak { get; set; }

        public int Entries { get; set; }

        public int Exits { get; set; }
    }
}
