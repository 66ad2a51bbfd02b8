using Venue.Domain.Booths;
using Venue.Domain.Layout;
using Venue.Domain.Leaderboards;
using Venue.Domain.Portals;
using Venue.Domain.Sessions;
using Venue.Domain.Telemetry;
using Venue.Domain.Zones;
using Venue.Runtime;
using Venue.Runtime.Storage;

namespace Venue.Domain.Tests;

/// <summary>
/// The telemetry grains in the real grain runtime, on memory storage and fake time, with a recorder
/// on every telemetry stream.
/// </summary>
internal sealed class TelemetryRig : IAsyncDisposable
{
    public static readonly DateTimeOffset Start = TestEvent.Now;

    /// <summary>
    /// Outside → lobby (front door, reader r1 antennas 1/2), lobby → hall-a (r1 3/4), hall-a → room-1
    /// (r2 1/2), hall-a → acme-stand (r2 3/4). Booth B1 stands in acme-stand; B2 has no zone.
    /// Session "talk" is in room-1 from 10:00 to 11:00.
    /// </summary>
    public static VenueLayout DefaultLayout() => new()
    {
        Zones =
        [
            new ZoneDefinition("lobby", "Lobby", 100),
            new ZoneDefinition("hall-a", "Hall A", 100),
            new ZoneDefinition("room-1", "Room 1", 10),
            new ZoneDefinition("acme-stand", "Acme stand", 20),
        ],
        Portals =
        [
            new PortalDefinition("front", "Front door", "r1", 1, 2, null, "lobby"),
            new PortalDefinition("lobby-hall-a", "Lobby to hall A", "r1", 3, 4, "lobby", "hall-a"),
            new PortalDefinition("hall-a-room-1", "Hall A to room 1", "r2", 1, 2, "hall-a", "room-1"),
            new PortalDefinition("acme-arch", "Acme arch", "r2", 3, 4, "hall-a", "acme-stand"),
        ],
        Booths = [new BoothDefinition("B1", "Acme", "Acme Ltd", "acme-stand"), new BoothDefinition("B2", "Globex", "Globex Corp")],
        Sessions = [new SessionDefinition("talk", "The talk", "room-1", Start.AddHours(1), Start.AddHours(2))],
        Challenges = [new ChallengeDefinition("quiz", "Quiz")],
    };

    private readonly List<IDisposable> _subscriptions = [];

    public TelemetryRig(VenueLayout? layout = null)
    {
        Layout = (layout ?? DefaultLayout()).Validate();
        var builder = new GrainRuntimeBuilder().UseTimeProvider(Time).UseStorage(new MemoryGrainStorage());
        builder.Options.CollectionAge = TimeSpan.FromDays(365);
        builder.Options.CollectionQuantum = TimeSpan.FromDays(365);
        builder.AddGrain<IZoneGrain, ZoneGrain>(() => new ZoneGrain(Layout));
        builder.AddGrain<IAttendeeLocationGrain, AttendeeLocationGrain>(() => new AttendeeLocationGrain(Layout));
        builder.AddGrain<IBoothGrain, BoothGrain>(() => new BoothGrain(Layout));
        builder.AddGrain<ILeaderboardGrain, LeaderboardGrain>(() => new LeaderboardGrain());
        builder.AddGrain<IPortalGrain, PortalGrain>(() => new PortalGrain(Layout));
        Runtime = builder.Build();
        Record(TelemetryStreams.ZoneOccupancy, Occupancy);
        Record(TelemetryStreams.ZoneAlerts, Alerts);
        Record(TelemetryStreams.Movements, Movements);
        Record(TelemetryStreams.Leads, Leads);
        Record(TelemetryStreams.Leaderboards, Leaderboards);
    }

    public VenueLayout Layout { get; }

    public ManualTimeProvider Time { get; } = new(Start);

    public GrainRuntime Runtime { get; }

    public Recorded<ZoneOccupancyChanged> Occupancy { get; } = new();

    public Recorded<ZoneAlert> Alerts { get; } = new();

    public Recorded<Movement> Movements { get; } = new();

    public Recorded<LeadCaptured> Leads { get; } = new();

    public Recorded<LeaderboardChanged> Leaderboards { get; } = new();

    public IZoneGrain Zone(string id) => Runtime.GetGrain<IZoneGrain>(id);

    public IAttendeeLocationGrain Location(string attendeeId) => Runtime.GetGrain<IAttendeeLocationGrain>(attendeeId);

    public IBoothGrain Booth(string id) => Runtime.GetGrain<IBoothGrain>(id);

    public ILeaderboardGrain Board(string name) => Runtime.GetGrain<ILeaderboardGrain>(name);

    public IPortalGrain Portal(string id) => Runtime.GetGrain<IPortalGrain>(id);

    public Task<ZoneStatus> ZoneStatusAsync(string zoneId) => Zone(zoneId).GetStatusAsync().WithTimeout($"the status of zone '{zoneId}'");

    public async Task<int> OccupancyAsync(string zoneId) => (await ZoneStatusAsync(zoneId)).Occupancy;

    public Task<AttendeeLocation> WhereAsync(string attendeeId) =>
        Location(attendeeId).GetLocationAsync().WithTimeout($"the location of '{attendeeId}'");

    /// <summary>Moves an attendee as a portal would, at <paramref name="at"/> (read time).</summary>
    public Task<MoveResult> MoveAsync(string attendeeId, string? from, string? to, DateTimeOffset at, string via = "test") =>
        Location(attendeeId).MoveAsync(new Movement(attendeeId, from, to, via, Time.GetUtcNow(), at))
            .WithTimeout($"moving '{attendeeId}' to '{to}'");

    public Task<MoveResult> AdmitAsync(string attendeeId, string? zone, DateTimeOffset at, string gate = "main") =>
        Location(attendeeId).GateAsync(gate, zone, admitted: true, at).WithTimeout($"admitting '{attendeeId}'");

    public ValueTask DisposeAsync()
    {
        foreach (var s in _subscriptions)
        {
            s.Dispose();
        }

        return Runtime.DisposeAsync();
    }

    private void Record<T>(string streamNamespace, Recorded<T> into) =>
        _subscriptions.Add(Runtime.Streams.SubscribeNamespace<T>(streamNamespace, e =>
        {
            into.Add(e.Item);
            return Task.CompletedTask;
        }));

    /// <summary>Stream items in the order published.</summary>
    public sealed class Recorded<T>
    {
        private readonly object _gate = new();
        private readonly List<T> _items = [];

        public IReadOnlyList<T> Items
        {
            get { lock (_gate) { return [.. _items]; } }
        }

        public void Add(T item)
        {
            lock (_gate)
            {
                _items.Add(item);
            }
        }
    }
}
