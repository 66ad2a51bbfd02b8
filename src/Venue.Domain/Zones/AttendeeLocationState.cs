namespace Venue.Domain.Zones;

/// <summary>An attendee's zone and admission, rebuilt from the journals on restart.</summary>
public sealed class AttendeeLocationState
{
    public string? Zone { get; set; }

    public DateTimeOffset? Since { get; set; }

    /// <summary>Time of the latest move applied; an older one is out of order.</summary>
    public DateTimeOffset? LastMovedAt { get; set; }

    public bool Admitted { get; set; }

    /// <summary>Time of the latest gate passage; an older one does not change <see cref="Admitted"/>.</summary>
    public DateTimeOffset? LastGateAt { get; set; }

    public long Moves { get; set; }

    /// <summary>
    /// The latest moves by read time (at most <see cref="StepMemory"/>), and the zone before the
    /// oldest of them: a late move that sorts among them is put in its place and the zone is worked
    /// out again, so a one-antenna crossing judged from a stale zone is judged again.
    /// </summary>
    public List<LocationStep> Steps { get; } = [];

    public string? ZoneBeforeSteps { get; set; }

    public const int StepMemory = 16;
}

/// <summary>
/// One move as it was asked for: to <see cref="To"/> (null: out), or, when <see cref="DirectionUnknown"/>,
/// across a portal between <see cref="From"/> and <see cref="To"/> (to <see cref="From"/> if already on the <see cref="To"/> side).
/// </summary>
public sealed record LocationStep(DateTimeOffset At, string? From, string? To, bool DirectionUnknown)
{
    public string? After(string? zone) => DirectionUnknown && zone is not null && zone == To ? From : To;
}
