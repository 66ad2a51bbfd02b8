using Venue.Domain.Booths;
using Venue.Domain.Layout;
using Venue.Domain.Leaderboards;
using Venue.Domain.Sessions;
using Venue.Domain.Telemetry;
using Venue.Runtime;
using Venue.Runtime.Streams;

namespace Venue.Domain.Zones;

/// <summary>
/// Counts a zone. Calls out only to booths (visits) and the attendee leaderboard (session points),
/// neither of which calls back, so an attendee's move through here cannot deadlock.
/// </summary>
public sealed class ZoneGrain(VenueLayout layout) : Grain<ZoneState>, IZoneGrain
{
    private ZoneDefinition _zone = null!;
    private IReadOnlyList<BoothDefinition> _booths = [];
    private IReadOnlyList<SessionDefinition> _sessions = [];
    private IAsyncStream<ZoneOccupancyChanged> _occupancy = null!;
    private IAsyncStream<ZoneAlert> _alerts = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!layout.TryGetZone(Key, out _zone))
        {
            throw new UnknownZoneException(Key);
        }

        _booths = layout.BoothsIn(Key);
        _sessions = layout.SessionsIn(Key);
        _occupancy = Streams.GetStream<ZoneOccupancyChanged>(new StreamId(TelemetryStreams.ZoneOccupancy, Key));
        _alerts = Streams.GetStream<ZoneAlert>(new StreamId(TelemetryStreams.ZoneAlerts, Key));
        return Task.CompletedTask;
    }

    public async Task EnterAsync(string attendeeId, DateTimeOffset at, bool admitted)
    {
        ArgumentException.ThrowIfNullOrEmpty(attendeeId);
        if (!State.Occupants.TryAdd(attendeeId, at))
        {
            return;
        }

        State.Entries++;
        if (!admitted)
        {
            State.NotAdmittedEntries++;
        }

        await ChangedAsync(State.Occupants.Count - 1, at);
        foreach (var booth in _booths)
        {
            await GrainFactory.GetGrain<IBoothGrain>(booth.Id).RecordVisitAsync(attendeeId, at);
        }
    }

    public async Task LeaveAsync(string attendeeId, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(attendeeId);
        if (!State.Occupants.Remove(attendeeId, out var enteredAt))
        {
            return;
        }

        State.Exits++;
        // A stay that seems to end before it began comes from readers' clocks disagreeing: no dwell.
        if (at >= enteredAt)
        {
            State.RecordDwell(at - enteredAt);
        }

        var attended = new List<SessionDefinition>();
        foreach (var session in _sessions)
        {
            if (!State.Sessions.TryGetValue(session.Id, out var attendance))
            {
                State.Sessions[session.Id] = attendance = new SessionAttendance();
            }

            if (attendance.AddStay(session, attendeeId, enteredAt, at, layout.SessionMinimumStay))
            {
                attended.Add(session);
            }
        }

        try
        {
            await ChangedAsync(State.Occupants.Count + 1, at);
        }
        finally
        {
            // The session counts this attendee from now on, so its points are paid whatever a subscriber
            // did with the occupancy event: no later movement would pay them.
            if (layout.Points.Session > 0)
            {
                foreach (var session in attended)
                {
                    await GrainFactory.GetGrain<ILeaderboardGrain>(LeaderboardNames.Attendees)
                        .AddPointsAsync(attendeeId, layout.Points.Session, LeaderboardNames.SessionReason(session.Id));
                }
            }
        }
    }

    private async Task ChangedAsync(int before, DateTimeOffset at)
    {
        var occupancy = State.Occupants.Count;
        State.RecordMinute(at, before, occupancy);
        // A late movement does not move the zone's last change, or the time its peak was reached, into the past.
        var seenAt = State.LastChangeAt is { } last && last > at ? last : at;
        State.LastChangeAt = seenAt;
        if (occupancy > State.Peak)
        {
            State.Peak = occupancy;
            State.PeakAt = seenAt;
        }

        var was = State.Level;
        State.Level = _zone.NextLevel(was, occupancy);
        await WriteStateAsync();

        var now = Time.GetUtcNow();
        await _occupancy.OnNextAsync(new ZoneOccupancyChanged(Key, occupancy, _zone.Capacity, State.Level, now, at));
        // One alert per level crossed: a small zone can jump two levels with one person.
        for (var level = was + 1; level <= State.Level; level++)
        {
            await _alerts.OnNextAsync(new ZoneAlert(Key, level, true, occupancy, _zone.Capacity, now));
        }

        for (var level = was; level > State.Level; level--)
        {
            await _alerts.OnNextAsync(new ZoneAlert(Key, level, false, occupancy, _zone.Capacity, now));
        }
    }

    public Task<ZoneStatus> GetStatusAsync()
    {
        var minutes = State.Minutes
            .Select(m => new ZoneMinute(new DateTimeOffset(m.Minute * TimeSpan.TicksPerMinute, TimeSpan.Zero), m.Peak, m.Entries, m.Exits))
            .ToList();
        var sessions = _sessions
            .Select(s => new SessionAttendanceCount(s.Id, State.Sessions.TryGetValue(s.Id, out var a) ? a.Attended : 0))
            .ToList();
        return Task.FromResult(new ZoneStatus(Key, _zone.Name, _zone.Capacity, State.Occupants.Count, State.Level,
            State.Peak, State.PeakAt, State.Entries, State.Exits, State.NotAdmittedEntries, Dwell(), minutes, sessions,
            State.LastChangeAt));
    }

    public Task<IReadOnlyList<ZoneOccupant>> GetOccupantsAsync(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        IReadOnlyList<ZoneOccupant> occupants = State.Occupants
            .OrderBy(o => o.Value)
            .ThenBy(o => o.Key, StringComparer.Ordinal)
            .Take(limit)
            .Select(o => new ZoneOccupant(o.Key, o.Value))
            .ToList();
        return Task.FromResult(occupants);
    }

    private DwellStats Dwell()
    {
        if (State.CompletedStays == 0)
        {
            return new DwellStats(0, null, null, null);
        }

        var sorted = State.RecentDwellSeconds.ToArray();
        Array.Sort(sorted);
        return new DwellStats(
            State.CompletedStays,
            TimeSpan.FromSeconds(State.TotalDwellSeconds / State.CompletedStays),
            TimeSpan.FromSeconds(NearestRank(sorted, 0.50)),
            TimeSpan.FromSeconds(NearestRank(sorted, 0.90)));
    }

    private static double NearestRank(double[] sorted, double p) =>
        sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}
