using Venue.Domain.Readers;

namespace Venue.Domain.Portals;

/// <summary>
/// Turns one portal's reads into passes and decides each pass's direction (docs/venue-layout.md,
/// "Movement rules"). Pure and synchronous: the same reads in the same order give the same passes.
/// Per read it allocates nothing, except a small record the first time a tag is seen.
/// </summary>
internal sealed class PassTracker
{
    private const long None = long.MinValue;

    /// <summary>Quiet tags are forgotten after this long (by read time), so the table does not grow all day.</summary>
    private static readonly long Retention = TimeSpan.FromMinutes(10).Ticks;

    private const int PruneEveryReads = 1 << 16;

    private readonly PortalDefinition _portal;
    private readonly long _debounce;
    private readonly long _direction;
    private readonly long _simultaneity;
    private readonly Dictionary<string, TagPass> _tags = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<TagPass> _pending = [];
    private long _clock = None;
    private long _sweepDue = long.MaxValue;
    private long _idleDue = long.MaxValue;

    public PassTracker(PortalDefinition portal, TimeSpan debounce, TimeSpan direction, TimeSpan simultaneity)
    {
        _portal = portal;
        _debounce = debounce.Ticks;
        _direction = direction.Ticks;
        _simultaneity = simultaneity.Ticks;
    }

    /// <summary>Every read handed in: the sum of passes, absorbed, late, misrouted and unknown.</summary>
    public long Reads { get; private set; }

    /// <summary>Reads that belonged to a pass already open: the duplicates of a walk through.</summary>
    public long Absorbed { get; private set; }

    public long Passes { get; private set; }

    /// <summary>Reads older than their tag's current pass: dropped, so a decided pass is never reversed.</summary>
    public long Late { get; private set; }

    /// <summary>Reads from an antenna that is neither of this portal's.</summary>
    public long Misrouted { get; private set; }

    /// <summary>Reads whose EPC is not a venue badge (venue-epc/1).</summary>
    public long UnknownTags { get; private set; }

    /// <summary>Passes seen by one antenna only.</summary>
    public long SingleAntenna { get; private set; }

    /// <summary>Passes seen by both antennas that no rule could order: no movement.</summary>
    public long Undecided { get; private set; }

    /// <summary>Passes open: their direction is not decided yet.</summary>
    public int PendingCount { get; private set; }

    public DateTimeOffset? LastReadAt => _clock == None ? null : new DateTimeOffset(_clock, TimeSpan.Zero);

    /// <summary>
    /// No open pass is idle before this edge time (UTC ticks; <see cref="long.MaxValue"/> with none open):
    /// a lower bound, exact after a <see cref="SweepIdle"/>. A journal replay sweeps when its clock reaches it.
    /// </summary>
    public long IdleDue => PendingCount == 0 ? long.MaxValue : _idleDue;

    /// <summary>Takes one read in; passes it decides are appended to <paramref name="decided"/>.</summary>
    /// <param name="observedAt">The edge's clock (UTC ticks) when the portal heard the read, for <see cref="SweepIdle"/> (in a replay: when it was journaled).</param>
    public void Observe(TagRead read, long observedAt, List<DecidedPass> decided)
    {
        Reads++;
        var outer = read.Antenna == _portal.OuterAntenna;
        if (!outer && read.Antenna != _portal.InnerAntenna)
        {
            Misrouted++;
            return;
        }

        var t = read.ReadAt.UtcTicks;
        if (!_tags.TryGetValue(read.Epc, out var tag))
        {
            if (!EpcCodec.TryDecode(read.Epc, out var attendeeId))
            {
                UnknownTags++;
                return;
            }

            tag = new TagPass(attendeeId);
            _tags.Add(read.Epc, tag);
            Open(tag, t);
        }
        else
        {
            // The tag's own silence ended its pass, whatever other tags did meanwhile.
            if (tag.Pending && t - tag.LastRead >= _direction)
            {
                Decide(tag, decided);
            }

            if (t < tag.Start)
            {
                // Reader buffers deliver out of order: an open pass may still take an earlier read of itself;
                // a decided one is never reopened.
                if (!tag.Pending || tag.Start - t > _debounce)
                {
                    Late++;
                    return;
                }

                Absorbed++;
            }
            else if (t - tag.LastRead > _debounce)
            {
                Open(tag, t);
            }
            else
            {
                Absorbed++;
            }
        }

        Add(tag, t, outer, read.PeakRssi, decided);
        tag.ObservedAt = observedAt;
        tag.HeardAt = Math.Max(t, _clock);
        if (tag.Pending && observedAt + _direction < _idleDue)
        {
            _idleDue = observedAt + _direction;
        }
        if (t > _clock)
        {
            _clock = t;
        }

        if (_clock >= _sweepDue)
        {
            Sweep(decided, byReadClock: true, now: 0);
        }

        if (Reads % PruneEveryReads == 0)
        {
            Prune();
        }
    }

    /// <summary>Decides the passes whose tag the edge has not heard for the direction window (a grain timer calls this).</summary>
    public void SweepIdle(long now, List<DecidedPass> decided) => Sweep(decided, byReadClock: false, now);

    /// <summary>Decides every open pass now: the end of a journal replay, or a shutdown.</summary>
    public void Flush(List<DecidedPass> decided)
    {
        foreach (var tag in _pending)
        {
            if (tag.Pending)
            {
                Decide(tag, decided);
            }

            tag.Listed = false;
        }

        _pending.Clear();
        _sweepDue = long.MaxValue;
        _idleDue = long.MaxValue;
    }

    private void Open(TagPass tag, long t)
    {
        Passes++;
        // A pass delivered late (a reader's buffer, a retried post) starts behind the read clock: it is
        // given the window from when it was heard, or its first read would decide it alone.
        tag.HeardAt = Math.Max(t, _clock);
        tag.Start = tag.LastRead = t;
        tag.FirstOuter = tag.FirstInner = tag.LastOuter = tag.LastInner = None;
        tag.PeakOuterAt = tag.PeakInnerAt = None;
        tag.PeakOuter = tag.PeakInner = double.NegativeInfinity;
        tag.Pending = true;
        PendingCount++;
        if (!tag.Listed)
        {
            _pending.Add(tag);
            tag.Listed = true;
        }

        _sweepDue = Math.Min(_sweepDue, tag.HeardAt + _direction);
    }

    private void Add(TagPass tag, long t, bool outer, double rssi, List<DecidedPass> decided)
    {
        if (t > tag.LastRead)
        {
            tag.LastRead = t;
        }

        if (!tag.Pending)
        {
            return; // decided: the read only keeps the pass's debounce alive
        }

        if (t < tag.Start)
        {
            tag.Start = t;
        }

        if (outer)
        {
            See(ref tag.FirstOuter, ref tag.LastOuter, ref tag.PeakOuter, ref tag.PeakOuterAt, t, rssi);
        }
        else
        {
            See(ref tag.FirstInner, ref tag.LastInner, ref tag.PeakInner, ref tag.PeakInnerAt, t, rssi);
        }

        // Both sides seen clearly apart: the order says it all, and deciding now keeps latency low.
        if (tag.FirstOuter != None && tag.FirstInner != None && Math.Abs(tag.FirstOuter - tag.FirstInner) > _simultaneity)
        {
            var inward = tag.FirstOuter < tag.FirstInner;
            Conclude(tag, inward, PassEvidence.AntennaOrder, decided);
        }
    }

    private static void See(ref long first, ref long last, ref double peak, ref long peakAt, long t, double rssi)
    {
        if (first == None || t < first)
        {
            first = t;
        }

        if (t > last)
        {
            last = t;
        }

        // Ties go to the earliest read at the peak, so arrival order does not matter.
        if (rssi > peak || (rssi == peak && t < peakAt))
        {
            peak = rssi;
            peakAt = t;
        }
    }

    /// <summary>Decides a pass that has ended with its direction still open.</summary>
    private void Decide(TagPass tag, List<DecidedPass> decided)
    {
        if (tag.FirstOuter != None && tag.FirstInner != None)
        {
            // Seen on both "at once": they walked towards the antenna whose signal peaked later.
            if (tag.PeakOuterAt != tag.PeakInnerAt)
            {
                Conclude(tag, tag.PeakInnerAt > tag.PeakOuterAt, PassEvidence.RssiPeak, decided);
            }
            else if (tag.LastOuter != tag.LastInner)
            {
                Conclude(tag, tag.LastInner > tag.LastOuter, PassEvidence.RssiPeak, decided);
            }
            else
            {
                Undecided++;
                Close(tag);
            }

            return;
        }

        SingleAntenna++;
        Conclude(tag, inward: tag.FirstInner != None, PassEvidence.SingleAntenna, decided);
    }

    private void Conclude(TagPass tag, bool inward, PassEvidence evidence, List<DecidedPass> decided)
    {
        Close(tag);
        var crossedAt = inward ? tag.FirstInner : tag.FirstOuter;
        decided.Add(new DecidedPass(tag.AttendeeId, inward, evidence, new DateTimeOffset(crossedAt, TimeSpan.Zero)));
    }

    private void Close(TagPass tag)
    {
        tag.Pending = false;
        if (--PendingCount == 0)
        {
            _idleDue = long.MaxValue;
        }
    }

    private void Sweep(List<DecidedPass> decided, bool byReadClock, long now)
    {
        var kept = 0;
        var due = long.MaxValue;
        var idleDue = long.MaxValue;
        for (var i = 0; i < _pending.Count; i++)
        {
            var tag = _pending[i];
            if (tag.Pending && (byReadClock ? _clock - Math.Max(tag.LastRead, tag.HeardAt) : now - tag.ObservedAt) >= _direction)
            {
                Decide(tag, decided);
            }

            if (!tag.Pending)
            {
                tag.Listed = false;
                continue;
            }

            due = Math.Min(due, Math.Max(tag.LastRead, tag.HeardAt) + _direction);
            idleDue = Math.Min(idleDue, tag.ObservedAt + _direction);
            _pending[kept++] = tag;
        }

        _pending.RemoveRange(kept, _pending.Count - kept);
        _sweepDue = due;
        _idleDue = idleDue;
    }

    private void Prune()
    {
        foreach (var (epc, tag) in _tags)
        {
            if (!tag.Pending && _clock - tag.LastRead > Retention)
            {
                _tags.Remove(epc);
            }
        }
    }

    private sealed class TagPass(string attendeeId)
    {
        public readonly string AttendeeId = attendeeId;
        public long Start;
        public long LastRead;
        public long FirstOuter;
        public long FirstInner;
        public long LastOuter;
        public long LastInner;
        public double PeakOuter;
        public double PeakInner;
        public long PeakOuterAt;
        public long PeakInnerAt;
        public long ObservedAt;

        /// <summary>The portal's read clock when the tag was last read (its own read time if that is newer).</summary>
        public long HeardAt;
        public bool Pending;
        public bool Listed;
    }
}

/// <summary>A pass whose direction is decided: inward is from the outer zone to the inner one.</summary>
internal readonly record struct DecidedPass(string AttendeeId, bool Inward, PassEvidence Evidence, DateTimeOffset CrossedAt);

/// <summary>What decided a pass's direction.</summary>
internal enum PassEvidence
{
    /// <summary>First seen on one antenna, then clearly later on the other.</summary>
    AntennaOrder,

    /// <summary>Seen on both at once; the later signal peak (then the later last read) decided.</summary>
    RssiPeak,

    /// <summary>Seen by one antenna only: towards that antenna's side.</summary>
    SingleAntenna,
}
