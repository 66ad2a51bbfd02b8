using Venue.Domain.Layout;
using Venue.Domain.Readers;

namespace Venue.Simulation.Crowd;

/// <summary>
/// Turns passes into what UHF readers in session S0 report: several reads of the badge per antenna
/// as it walks under the doorway, signal rising and falling, the near antenna first; some passes
/// seen by one antenna only (the body absorbs the signal); event numbers increasing per reader.
/// </summary>
public static class ReaderEmulator
{
    /// <summary>Share of passes the far antenna misses.</summary>
    public const double OneAntennaShare = 0.10;

    /// <summary>Share of passes both antennas first see within the simultaneity window (direction by signal peak).</summary>
    public const double AtOnceShare = 0.05;

    /// <summary>Every read of the plan's passes, per reader in time order, each with its reader's next event number.</summary>
    public static IReadOnlyDictionary<string, List<TagRead>> Emit(CrowdPlan plan, VenueLayout layout, int seed, out ReaderNoise noise)
    {
        var random = new Random(StableSeed.Of(seed, "readers", plan.EdgeId));
        var byReader = new Dictionary<string, List<TagRead>>(StringComparer.Ordinal);
        int oneAntenna = 0, atOnce = 0;
        foreach (var pass in plan.Passes)
        {
            if (!layout.TryGetPortal(pass.PortalId, out var portal))
            {
                throw new InvalidOperationException($"The plan crosses portal {pass.PortalId}, which the layout lacks.");
            }

            if (!byReader.TryGetValue(portal.ReaderId, out var reads))
            {
                byReader[portal.ReaderId] = reads = [];
            }

            var epc = EpcCodec.Encode(pass.AttendeeId);
            var (near, far) = pass.Inward ? (portal.OuterAntenna, portal.InnerAntenna) : (portal.InnerAntenna, portal.OuterAntenna);
            var roll = random.NextDouble();
            // The far antenna starts seeing the badge 200 to 400 ms after the near one, or (at once) within 50 ms.
            var farDelay = roll < AtOnceShare ? random.Next(0, 50) : random.Next(200, 400);
            var seesFar = roll >= AtOnceShare && roll < AtOnceShare + OneAntennaShare ? false : true;
            var seesNear = true;
            if (!seesFar && random.NextDouble() < 0.5)
            {
                // One antenna only: sometimes it is the near one that misses.
                (seesNear, seesFar) = (false, true);
            }

            oneAntenna += seesNear && seesFar ? 0 : 1;
            atOnce += roll < AtOnceShare ? 1 : 0;
            // At once, both sweep alike and the far antenna's signal peaks at its last read, after the
            // near one's mid-sweep peak: that is what tells the direction.
            var count = random.Next(3, 9);
            var steady = roll < AtOnceShare;
            if (seesNear)
            {
                AddSweep(reads, portal.ReaderId, epc, near, pass.At, 0, steady ? count : random.Next(3, 9), random, peakLast: false, steady);
            }

            if (seesFar)
            {
                AddSweep(reads, portal.ReaderId, epc, far, pass.At, farDelay, steady ? count : random.Next(3, 9), random, peakLast: steady, steady);
            }
        }

        foreach (var (reader, reads) in byReader)
        {
            reads.Sort((a, b) => a.ReadAt.CompareTo(b.ReadAt));
            for (var i = 0; i < reads.Count; i++)
            {
                reads[i] = reads[i] with { EventNum = i + 1 };
            }
        }

        noise = new ReaderNoise(plan.Passes.Count, oneAntenna, atOnce);
        return byReader;
    }

    /// <summary><paramref name="count"/> reads 40 to 80 ms apart (60 when <paramref name="steady"/>); RSSI rises to a peak in the middle (or at the last read) and falls.</summary>
    private static void AddSweep(List<TagRead> reads, string reader, string epc, int antenna, DateTimeOffset passAt, int delayMs, int count, Random random,
        bool peakLast, bool steady)
    {
        var peak = peakLast ? count - 1 : count / 2;
        var at = passAt.AddMilliseconds(delayMs);
        for (var i = 0; i < count; i++)
        {
            var rssi = -48 - 4 * Math.Abs(i - peak) - (i == peak ? 0 : random.Next(1, 3));
            reads.Add(new TagRead(reader, 0, epc, antenna, rssi, at));
            at = at.AddMilliseconds(steady ? 60 : random.Next(40, 81));
        }
    }
}

/// <summary>How noisy the emitted passes were: all, seen by one antenna only, seen by both at once.</summary>
public sealed record ReaderNoise(int Passes, int OneAntenna, int AtOnce);
