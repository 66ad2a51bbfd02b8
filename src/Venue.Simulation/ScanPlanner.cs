using Venue.Domain.CheckIn;
using Venue.Domain.Gates;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;

namespace Venue.Simulation;

/// <summary>
/// Plans a morning rush: arrivals on a bell-shaped curve (most people come in the middle), with the
/// awkward cases a real gate sees mixed in: badges presented twice, the same badge at two gates at
/// the same instant, scanner retries, exits and re-entries, wrong entrances, revoked and next-day
/// badges, forgeries, badges from an unknown key, unreadable codes and broken requests. With several
/// edges it adds what only sync can get right: a badge shown again at another edge a few seconds
/// after its admission (refused), and, while an edge is cut off, the same badge admitted at two
/// edges (a conflict central must raise after the heal).
/// </summary>
public static class ScanPlanner
{
    /// <summary>Share of the badges arriving well inside the partition that are also shown at another edge during it.</summary>
    public const double PartitionDoubleShare = 0.015;

    /// <summary>Seconds after its admission a badge is shown again at another edge (the sync goal is a second or two).</summary>
    public static readonly (double Min, double Max) OtherEdgeAfter = (2.0, 3.5);

    /// <summary>Plans a rush at one edge that never loses its link.</summary>
    public static IReadOnlyList<PlannedScan> Plan(GeneratedEvent generated, TimeSpan rush, int seed)
    {
        ArgumentNullException.ThrowIfNull(generated);
        return Plan(generated, EdgeTopology.Split(generated.Gates, 1, partition: null), rush, seed);
    }

    public static IReadOnlyList<PlannedScan> Plan(GeneratedEvent generated, EdgeTopology layout, TimeSpan rush, int seed)
    {
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(layout);
        var random = new Random(seed ^ 0x5ca7);
        var gates = generated.Gates;
        var publicGates = gates.Where(g => g.AllowedTicketTypes is null).ToArray();
        var staffGates = gates.Where(g => g.AllowedTicketTypes is not null).ToArray();
        var publicAt = layout.Edges.ToDictionary(e => e, e => layout.Gates[e].Where(g => g.AllowedTicketTypes is null).ToArray(), StringComparer.Ordinal);
        var staffAt = layout.Edges.ToDictionary(e => e, e => layout.Gates[e].Where(g => g.AllowedTicketTypes is not null).ToArray(), StringComparer.Ordinal);
        var plan = new List<PlannedScan>(generated.Badges.Count * 11 / 10);
        var nonce = 0L;
        string NextNonce() => $"n{Interlocked.Increment(ref nonce):x}";
        TimeSpan Arrival() => rush * BellSample(random);
        TimeSpan After(TimeSpan t, double minSeconds, double maxSeconds) => t + TimeSpan.FromSeconds(minSeconds + (random.NextDouble() * (maxSeconds - minSeconds)));
        bool MayUseStaffGate(string ticketType) => EventGenerator.StaffTicketTypes.Contains(ticketType) && random.NextDouble() < 0.5;

        GateDefinition GateFor(string ticketType) =>
            staffGates.Length > 0 && MayUseStaffGate(ticketType)
                ? staffGates[random.Next(staffGates.Length)]
                : publicGates[random.Next(publicGates.Length)];

        // Another gate of the same edge: a second scan there is judged by the same silo, whatever the links do.
        GateDefinition GateAt(string edge, string ticketType) =>
            staffAt[edge].Length > 0 && MayUseStaffGate(ticketType)
                ? staffAt[edge][random.Next(staffAt[edge].Length)]
                : publicAt[edge][random.Next(publicAt[edge].Length)];

        string OtherEdge(string edge)
        {
            var others = layout.Edges.Where(e => e != edge).ToArray();
            return others[random.Next(others.Length)];
        }

        // Partition doubles happen well inside the cut, so neither scan can meet a link that is coming or going.
        var partition = layout.Edges.Count > 1 ? layout.Partition : null;
        var margin = TimeSpan.FromSeconds(Math.Max(0.3, rush.TotalSeconds * 0.02));
        var maxDoubleGap = partition is null ? 0 : Math.Clamp((partition.To - partition.From).TotalSeconds / 4, 0.3, 2.0);

        foreach (var badge in generated.Badges)
        {
            var t = Arrival();
            var gate = GateFor(badge.TicketType);
            var edge = layout.EdgeOf(gate.Id);
            if (badge.Status == AttendeeStatus.Revoked)
            {
                plan.Add(new PlannedScan(t, gate.Id, badge.Token, ScanDirection.Entry, NextNonce(), ScanKind.Revoked, badge.AttendeeId, ScanReason.Revoked));
                continue;
            }

            if (!badge.ValidToday)
            {
                plan.Add(new PlannedScan(t, gate.Id, badge.Token, ScanDirection.Entry, NextNonce(), ScanKind.NextDay, badge.AttendeeId, ScanReason.NotValidNow));
                continue;
            }

            var roll = random.NextDouble();
            if (roll < 0.005 && gates.Count >= 2)
            {
                // The same badge at two gates of one edge at the same instant (a cloned badge, or two lanes): exactly one gets in.
                var other = publicAt[edge].FirstOrDefault(g => g.Id != gate.Id) ?? gate;
                var first = new PlannedScan(t, gate.Id, badge.Token, ScanDirection.Entry, NextNonce(), ScanKind.Simultaneous, badge.AttendeeId, null);
                var second = first with { GateId = other.Id, Nonce = NextNonce() };
                plan.Add(first with { Twin = second });
                continue;
            }

            if (partition is not null && t >= partition.From + margin && t + TimeSpan.FromSeconds(maxDoubleGap) <= partition.To - margin
                && random.NextDouble() < PartitionDoubleShare)
            {
                // Shown at the cut-off edge and at another one while they cannot hear of each other: both admit.
                var cut = publicAt[partition.Edge][random.Next(publicAt[partition.Edge].Length)];
                var elsewhere = publicAt[OtherEdge(partition.Edge)];
                var away = elsewhere[random.Next(elsewhere.Length)];
                var (firstGate, secondGate) = random.Next(2) == 0 ? (cut, away) : (away, cut);
                plan.Add(new PlannedScan(t, firstGate.Id, badge.Token, ScanDirection.Entry, NextNonce(), ScanKind.Arrival, badge.AttendeeId, ScanReason.Admitted));
                plan.Add(new PlannedScan(After(t, 0.1, maxDoubleGap), secondGate.Id, badge.Token, ScanDirection.Entry, NextNonce(), ScanKind.PartitionDouble, badge.AttendeeId, ScanReason.Admitted));
                continue;
            }

            if (roll < 0.015 && staffGates.Length > 0 && badge.TicketType == "general")
            {
                // Tries the staff entrance first, is turned away, then uses a public gate.
                plan.Add(new PlannedScan(t, staffGates[random.Next(staffGates.Length)].Id, badge.Token, ScanDirection.Entry, NextNonce(), ScanKind.WrongGate, badge.AttendeeId, ScanReason.NotAllowedHere));
                t = After(t, 1, 3);
            }

            var arrival = new PlannedScan(t, gate.Id, badge.Token, ScanDirection.Entry, NextNonce(), ScanKind.Arrival, badge.AttendeeId, null);
            plan.Add(arrival);
            roll = random.NextDouble();
            if (roll < 0.03)
            {
                // Presented again a few seconds later at the same edge (a friend's badge passed back, or a confused attendee).
                plan.Add(new PlannedScan(After(t, 2, 6), GateAt(edge, badge.TicketType).Id, badge.Token, ScanDirection.Entry, NextNonce(), ScanKind.Duplicate, badge.AttendeeId, null));
            }
            else if (roll < 0.04)
            {
                // The scanner timed out and resent the very same scan.
                plan.Add(arrival with { At = After(t, 0.2, 1), Kind = ScanKind.Retry });
            }
            else if (roll < 0.08)
            {
                // Steps out to the car park and comes back: exit, then re-entry (refused for day passes).
                var exitAt = After(t, 3, 6);
                plan.Add(new PlannedScan(exitAt, gate.Id, badge.Token, ScanDirection.Exit, NextNonce(), ScanKind.Exit, badge.AttendeeId, ScanReason.Exited));
                var reentry = generated.Ledger.TryGetTicketType(badge.TicketType, out var type) && type.Reentry ? ScanReason.Admitted : ScanReason.ReentryNotAllowed;
                plan.Add(new PlannedScan(After(exitAt, 3, 5), gate.Id, badge.Token, ScanDirection.Entry, NextNonce(), ScanKind.Reentry, badge.AttendeeId, reentry));
            }
            else if (roll < 0.12 && layout.Edges.Count > 1)
            {
                // Shown again at another edge once the admission has had time to travel there; only while
                // both links are up, since a cut-off edge cannot know (that case is the partition double).
                var twinAt = After(t, OtherEdgeAfter.Min, OtherEdgeAfter.Max);
                var otherEdge = OtherEdge(edge);
                var settled = TimeSpan.FromSeconds(0.5);
                if (layout.LinkUpThroughout(edge, t - settled, twinAt + settled) && layout.LinkUpThroughout(otherEdge, t - settled, twinAt + settled))
                {
                    var twinGate = publicAt[otherEdge][random.Next(publicAt[otherEdge].Length)];
                    plan.Add(new PlannedScan(twinAt, twinGate.Id, badge.Token, ScanDirection.Entry, NextNonce(), ScanKind.OtherEdge, badge.AttendeeId, null));
                }
            }
        }

        AddAttacks(generated, rush, random, plan, publicGates, NextNonce);
        plan.Sort((a, b) => a.At.CompareTo(b.At));
        return plan;
    }

    private static void AddAttacks(GeneratedEvent generated, TimeSpan rush, Random random, List<PlannedScan> plan, GateDefinition[] gates, Func<string> nextNonce)
    {
        var count = Math.Max(5, generated.Badges.Count / 500);
        GateDefinition AnyGate() => gates[random.Next(gates.Length)];
        TimeSpan AnyTime() => rush * random.NextDouble();

        for (var i = 0; i < count; i++)
        {
            // A genuine badge with one byte of its signature changed: a forgery attempt.
            var victim = generated.Badges[random.Next(generated.Badges.Count)];
            BadgeToken.TryDecode(victim.Token, out var decoded, out _);
            var bytes = (byte[])decoded.Bytes.Clone();
            bytes[^(1 + random.Next(BadgeToken.SignatureLength))] ^= (byte)(1 + random.Next(255));
            plan.Add(new PlannedScan(AnyTime(), AnyGate().Id, BadgeToken.Prefix + System.Buffers.Text.Base64Url.EncodeToString(bytes),
                ScanDirection.Entry, nextNonce(), ScanKind.Forged, null, ScanReason.InvalidSignature));
        }

        using (var rogue = TicketSigningKey.Create("rogue"))
        {
            for (var i = 0; i < count; i++)
            {
                // Well formed and well signed, but by a key this event never published.
                var token = rogue.Issue(new BadgeClaims("rogue", generated.Spec.EventId, $"X{i:D6}", "vip", 0, 0));
                plan.Add(new PlannedScan(AnyTime(), AnyGate().Id, token, ScanDirection.Entry, nextNonce(), ScanKind.UnknownKey, null, ScanReason.InvalidSignature));
            }
        }

        string[] garbage = ["https://example.invalid/promo", "VN1.", "VN1.%%%not-base64%%%", "0123456789", "VN1.AAAA"];
        for (var i = 0; i < count; i++)
        {
            plan.Add(new PlannedScan(AnyTime(), AnyGate().Id, garbage[i % garbage.Length], ScanDirection.Entry, nextNonce(), ScanKind.Malformed, null, ScanReason.Malformed));
        }

        for (var i = 0; i < Math.Max(3, count / 2); i++)
        {
            plan.Add(new PlannedScan(AnyTime(), AnyGate().Id, "", ScanDirection.Entry, nextNonce(), ScanKind.BadRequest, null, null));
        }
    }

    /// <summary>A sample in [0, 1] shaped like a morning rush: Beta(2.5, 3), peaking a little before the middle.</summary>
    private static double BellSample(Random random)
    {
        var x = Gamma(random, 2.5);
        var y = Gamma(random, 3.0);
        return x / (x + y);
    }

    // Marsaglia and Tsang's method, for shape >= 1.
    private static double Gamma(Random random, double shape)
    {
        var d = shape - (1.0 / 3.0);
        var c = 1.0 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(random);
                v = 1 + (c * x);
            }
            while (v <= 0);

            v = v * v * v;
            var u = random.NextDouble();
            if (Math.Log(u) < (0.5 * x * x) + (d * (1 - v + Math.Log(v))))
            {
                return d * v;
            }
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
