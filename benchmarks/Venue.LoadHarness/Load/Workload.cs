namespace Venue.LoadHarness.Load;

/// <summary>
/// The check sequence every target receives, identical across targets: attendees come in a seeded
/// random order, and a share of checks re-present a badge already presented (the attendee is
/// inside). Once every attendee has been presented, every further check is a repeat.
/// </summary>
public sealed class Workload
{
    private readonly int[] _attendees;
    private readonly byte[] _gates;
    private readonly int[] _presentedAfter;

    public Workload(Ledger ledger, int length, double repeatShare, int gates, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(gates, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(gates, byte.MaxValue + 1);
        if (repeatShare is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(repeatShare), repeatShare, "The repeat share must be in [0, 1).");
        }

        Ledger = ledger;
        Gates = gates;
        var random = new Random(seed);
        var order = new int[ledger.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        random.Shuffle(order);
        _attendees = new int[length];
        _gates = new byte[length];
        _presentedAfter = new int[length];
        var presented = 0;
        for (var i = 0; i < length; i++)
        {
            var repeat = presented == order.Length || (presented > 0 && random.NextDouble() < repeatShare);
            if (repeat)
            {
                _attendees[i] = order[random.Next(presented)];
                Repeats++;
            }
            else
            {
                _attendees[i] = order[presented++];
                if (presented == order.Length && FreshExhaustedAt < 0)
                {
                    FreshExhaustedAt = i + 1;
                }
            }

            _gates[i] = (byte)random.Next(gates);
            _presentedAfter[i] = presented;
        }
    }

    public Ledger Ledger { get; }

    public int Gates { get; }

    public int Length => _attendees.Length;

    /// <summary>Checks in the whole sequence that re-present a badge.</summary>
    public int Repeats { get; }

    /// <summary>Index after which every check is a repeat, or -1 when the ledger outlasts the sequence.</summary>
    public int FreshExhaustedAt { get; } = -1;

    /// <summary>The attendee of check <paramref name="i"/>; past the end the sequence wraps (all repeats by then).</summary>
    public int AttendeeAt(long i) => _attendees[(int)(i % _attendees.Length)];

    public int GateAt(long i) => _gates[(int)(i % _gates.Length)];

    /// <summary>
    /// Distinct attendees among the first <paramref name="checks"/> checks: how many of them a correct
    /// target admits, whatever order their answers come in (nobody is inside at the start of a phase,
    /// every ledger attendee may pass every gate, and a repeat only re-presents an earlier badge).
    /// </summary>
    public long DistinctAttendeesIn(long checks) =>
        checks <= 0 ? 0 : _presentedAfter[(int)Math.Min(checks, _presentedAfter.Length) - 1];
}
