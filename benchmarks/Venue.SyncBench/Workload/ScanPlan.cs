namespace Venue.SyncBench.Workload;

/// <summary>
/// Badges presented at an edge, in order: each registered attendee once in a seeded random order,
/// with a share of badges presented again (answer: already inside) and a few codes that are no
/// badge at all (answer: malformed). Every scan has its own nonce and a gate.
/// </summary>
internal static class ScanPlan
{
    public static List<PlannedScan> Create(IReadOnlyList<Hosting.BenchAttendee> attendees, int count, double repeatShare, double junkShare,
        int gates, int seed)
    {
        var random = new Random(seed);
        var order = attendees.Select(a => a.Token).ToArray();
        random.Shuffle(order);
        var scans = new List<PlannedScan>(count);
        var next = 0;
        for (var i = 0; i < count; i++)
        {
            var draw = random.NextDouble();
            string token;
            if (draw < junkShare)
            {
                token = $"not-a-badge-{i}";
            }
            else if ((draw < junkShare + repeatShare && next > 0) || next == order.Length)
            {
                token = order[random.Next(next)];
            }
            else
            {
                token = order[next++];
            }

            scans.Add(new PlannedScan(token, $"G{random.Next(1, gates + 1):D2}", $"scan-{seed}-{i}"));
        }

        return scans;
    }
}

internal sealed record PlannedScan(string Token, string GateId, string Nonce);
