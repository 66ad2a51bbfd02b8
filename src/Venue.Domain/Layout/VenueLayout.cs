using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization;
using Venue.Domain.Booths;
using Venue.Domain.Leaderboards;
using Venue.Domain.Portals;
using Venue.Domain.Sessions;
using Venue.Domain.Zones;

namespace Venue.Domain.Layout;

/// <summary>
/// The venue layout file (format <c>venue-layout/1</c>, docs/venue-layout.md): zones, portals,
/// booths, sessions, points and challenges, and the portal timing windows. Build one in code or
/// with <see cref="Parse"/>/<see cref="Load"/>; the look-ups validate it first and throw
/// <see cref="LayoutException"/> if it has any problem, so a broken layout is never half used.
/// </summary>
public sealed class VenueLayout
{
    public const string FormatName = "venue-layout/1";

    /// <summary>The highest threshold fraction accepted: a zone may be run over its nominal capacity, not tenfold.</summary>
    public const double MaxThreshold = 2.0;

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        PropertyNameCaseInsensitive = true,
        // A misspelt key ("Capcity") would otherwise silently take the default.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private Index? _index;

    /// <summary>Optional; when given it must be <see cref="FormatName"/>.</summary>
    public string? Format { get; init; }

    // A list given as JSON null is an empty list, as leaving it out is.
    public IReadOnlyList<ZoneDefinition> Zones { get; init => field = value ?? []; } = [];

    public IReadOnlyList<PortalDefinition> Portals { get; init => field = value ?? []; } = [];

    public IReadOnlyList<BoothDefinition> Booths { get; init => field = value ?? []; } = [];

    public IReadOnlyList<SessionDefinition> Sessions { get; init => field = value ?? []; } = [];

    public PointsTable Points { get; init; } = new();

    public IReadOnlyList<ChallengeDefinition> Challenges { get; init => field = value ?? []; } = [];

    /// <summary>Reads of one tag at one portal within this long of its previous read belong to the same pass.</summary>
    public TimeSpan DebounceWindow { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>A pass ends when its tag has not been read for this long; a pass whose direction is still open is decided then.</summary>
    public TimeSpan DirectionWindow { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>First sightings on the two antennas closer than this are "at once": the peak RSSI trend decides the direction.</summary>
    public TimeSpan SimultaneityWindow { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long an attendee must be in a session's room during its schedule to count as attending.</summary>
    public TimeSpan SessionMinimumStay { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Reads and validates a layout file; throws <see cref="LayoutException"/> listing every problem.</summary>
    public static VenueLayout Load(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LayoutException([$"Layout: cannot read '{path}': {e.Message}"], e);
        }

        return Parse(json);
    }

    /// <summary>Parses and validates layout JSON (comments and trailing commas allowed, keys case-insensitive).</summary>
    public static VenueLayout Parse(string json)
    {
        VenueLayout? layout;
        try
        {
            layout = JsonSerializer.Deserialize<VenueLayout>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new LayoutException([$"Layout: {e.Message}"], e);
        }

        return (layout ?? throw new LayoutException(["Layout: the file holds no layout object."])).Validate();
    }

    /// <summary>Returns this layout, ready for look-ups, or throws <see cref="LayoutException"/> with every problem.</summary>
    public VenueLayout Validate()
    {
        if (_index is null)
        {
            var problems = Problems();
            if (problems.Count > 0)
            {
                throw new LayoutException(problems);
            }

            _index = new Index(this);
        }

        return this;
    }

    /// <summary>Every problem of this layout, in operator words; empty when it is usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        void Add(string where, string what) => problems.Add($"Layout:{where}: {what}");

        if (Format is not null && Format != FormatName)
        {
            Add("Format", $"'{Format}' is not a format this version reads; expected '{FormatName}'.");
        }

        var zones = Zones ?? [];
        var zoneIds = new HashSet<string>(StringComparer.Ordinal);
        if (zones.Count == 0)
        {
            Add("Zones", "at least one zone is needed.");
        }

        CheckIds("Zones", zones, z => z?.Id, zoneIds, Add);
        for (var i = 0; i < zones.Count; i++)
        {
            if (zones[i] is not { } z)
            {
                continue;
            }

            var at = $"Zones[{i}]";
            RequireText(at, "Name", z.Name, Add);
            if (z.Capacity <= 0)
            {
                Add(at, $"Capacity must be more than 0, was {z.Capacity}.");
            }

            if (!(z.Warn > 0 && z.Warn < z.Alert && z.Alert <= z.Full && z.Full <= MaxThreshold))
            {
                Add(at, $"thresholds must satisfy 0 < Warn < Alert <= Full <= {MaxThreshold}, were Warn {z.Warn}, Alert {z.Alert}, Full {z.Full}.");
            }

            if (!(z.Hysteresis >= 0 && z.Hysteresis < z.Warn))
            {
                Add(at, $"Hysteresis must be at least 0 and below Warn ({z.Warn}), was {z.Hysteresis}.");
            }
        }

        bool IsZone(string? id) => id is not null && zoneIds.Contains(id);

        var portals = Portals ?? [];
        CheckIds("Portals", portals, p => p?.Id, new HashSet<string>(StringComparer.Ordinal), Add);
        var antennas = new Dictionary<(string, int), int>();
        for (var i = 0; i < portals.Count; i++)
        {
            if (portals[i] is not { } p)
            {
                continue;
            }

            var at = $"Portals[{i}]";
            RequireText(at, "Name", p.Name, Add);
            RequireText(at, "ReaderId", p.ReaderId, Add);
            if (p.ReaderId?.IndexOfAny(['.', '/', '+', '#']) >= 0)
            {
                // The reader's name is a level of its MQTT topic, which RabbitMQ turns into a routing key of dot-separated words.
                Add(at, $"ReaderId '{p.ReaderId}' may not contain '.', '/', '+' or '#': it is one level of the reader's MQTT topic.");
            }

            if (p.OuterAntenna < 1 || p.InnerAntenna < 1)
            {
                Add(at, $"antenna ports start at 1, were OuterAntenna {p.OuterAntenna}, InnerAntenna {p.InnerAntenna}.");
            }
            else if (p.OuterAntenna == p.InnerAntenna)
            {
                Add(at, $"OuterAntenna and InnerAntenna are both {p.OuterAntenna}; direction needs two antennas.");
            }
            else if (!string.IsNullOrWhiteSpace(p.ReaderId))
            {
                foreach (var antenna in (int[])[p.OuterAntenna, p.InnerAntenna])
                {
                    if (!antennas.TryAdd((p.ReaderId, antenna), i))
                    {
                        Add(at, $"reader '{p.ReaderId}' antenna {antenna} already serves Portals[{antennas[(p.ReaderId, antenna)]}].");
                    }
                }
            }

            if (string.IsNullOrWhiteSpace(p.InnerZone))
            {
                Add(at, "InnerZone is required.");
            }
            else if (!IsZone(p.InnerZone))
            {
                Add(at, $"InnerZone '{p.InnerZone}' is not a zone.");
            }

            if (p.OuterZone is not null && !IsZone(p.OuterZone))
            {
                Add(at, $"OuterZone '{p.OuterZone}' is not a zone (leave it out or null for outside the venue).");
            }
            else if (p.OuterZone is not null && p.OuterZone == p.InnerZone)
            {
                Add(at, $"OuterZone and InnerZone are both '{p.InnerZone}'; a portal joins two zones.");
            }
        }

        var booths = Booths ?? [];
        CheckIds("Booths", booths, b => b?.Id, new HashSet<string>(StringComparer.Ordinal), Add);
        for (var i = 0; i < booths.Count; i++)
        {
            if (booths[i] is not { } b)
            {
                continue;
            }

            RequireText($"Booths[{i}]", "Name", b.Name, Add);
            RequireText($"Booths[{i}]", "Exhibitor", b.Exhibitor, Add);
            if (b.Zone is not null && !IsZone(b.Zone))
            {
                Add($"Booths[{i}]", $"Zone '{b.Zone}' is not a zone.");
            }
        }

        var sessions = Sessions ?? [];
        CheckIds("Sessions", sessions, s => s?.Id, new HashSet<string>(StringComparer.Ordinal), Add);
        for (var i = 0; i < sessions.Count; i++)
        {
            if (sessions[i] is not { } s)
            {
                continue;
            }

            var at = $"Sessions[{i}]";
            RequireText(at, "Title", s.Title, Add);
            if (!IsZone(s.Zone))
            {
                Add(at, s.Zone is null ? "Zone is required." : $"Zone '{s.Zone}' is not a zone.");
            }

            if (s.StartsAt == default || s.EndsAt == default)
            {
                Add(at, "StartsAt and EndsAt are both required.");
            }
            else if (s.EndsAt <= s.StartsAt)
            {
                Add(at, $"EndsAt ({s.EndsAt:O}) must be after StartsAt ({s.StartsAt:O}).");
            }
        }

        if (Points is null)
        {
            Add("Points", "must be an object (leave it out for the defaults).");
        }
        else if (Points.Session < 0 || Points.Booth < 0 || Points.Challenge < 0)
        {
            Add("Points", $"points may not be negative, were Session {Points.Session}, Booth {Points.Booth}, Challenge {Points.Challenge}.");
        }

        var challenges = Challenges ?? [];
        CheckIds("Challenges", challenges, c => c?.Id, new HashSet<string>(StringComparer.Ordinal), Add);
        for (var i = 0; i < challenges.Count; i++)
        {
            if (challenges[i] is { } c)
            {
                RequireText($"Challenges[{i}]", "Name", c.Name, Add);
                if ((c.Points ?? Points?.Challenge ?? 0) <= 0)
                {
                    // A completion is journaled and then awarded: an award of nothing would fail after the journal, and again on every replay.
                    Add($"Challenges[{i}]", c.Points is null
                        ? $"is worth Points.Challenge, {Points?.Challenge}; a challenge must be worth more than 0 points."
                        : $"Points must be more than 0, was {c.Points}.");
                }
            }
        }

        if (DebounceWindow <= TimeSpan.Zero)
        {
            Add("DebounceWindow", $"must be more than zero, was {DebounceWindow}.");
        }

        if (DirectionWindow <= TimeSpan.Zero || DirectionWindow > DebounceWindow)
        {
            Add("DirectionWindow", $"must be more than zero and at most DebounceWindow ({DebounceWindow}), was {DirectionWindow}.");
        }

        if (SimultaneityWindow < TimeSpan.Zero || SimultaneityWindow >= DirectionWindow)
        {
            Add("SimultaneityWindow", $"must be at least zero and below DirectionWindow ({DirectionWindow}), was {SimultaneityWindow}.");
        }

        if (SessionMinimumStay < TimeSpan.Zero)
        {
            Add("SessionMinimumStay", $"may not be negative, was {SessionMinimumStay}.");
        }

        return problems;
    }

    private static void CheckIds<T>(string list, IReadOnlyList<T> items, Func<T, string?> id, HashSet<string> seen, Action<string, string> add)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is null)
            {
                add($"{list}[{i}]", "is empty.");
                continue;
            }

            var value = id(items[i]);
            if (string.IsNullOrWhiteSpace(value))
            {
                add($"{list}[{i}]", "Id is required.");
            }
            else if (value.Any(char.IsWhiteSpace))
            {
                add($"{list}[{i}]", $"Id '{value}' may not contain spaces.");
            }
            else if (!first.TryAdd(value, i))
            {
                add($"{list}[{i}]", $"Id '{value}' is already used by {list}[{first[value]}].");
            }
            else
            {
                seen.Add(value);
            }
        }
    }

    private static void RequireText(string where, string field, string? value, Action<string, string> add)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            add(where, $"{field} is required.");
        }
    }

    private Index Indexed => _index ?? Validate()._index!;

    /// <summary>The portal that reader <paramref name="readerId"/>'s antenna <paramref name="antenna"/> belongs to.</summary>
    public bool TryGetPortal(string readerId, int antenna, out PortalDefinition portal) =>
        Indexed.ByAntenna.TryGetValue((readerId, antenna), out portal!);

    public bool TryGetPortal(string portalId, out PortalDefinition portal) => Indexed.Portals.TryGetValue(portalId, out portal!);

    /// <summary>Whether any portal is served by this reader.</summary>
    public bool IsKnownReader(string readerId) => Indexed.Readers.Contains(readerId);

    public bool TryGetZone(string zoneId, out ZoneDefinition zone) => Indexed.Zones.TryGetValue(zoneId, out zone!);

    public bool TryGetBooth(string boothId, out BoothDefinition booth) => Indexed.Booths.TryGetValue(boothId, out booth!);

    public bool TryGetSession(string sessionId, out SessionDefinition session) => Indexed.Sessions.TryGetValue(sessionId, out session!);

    public bool TryGetChallenge(string challengeId, out ChallengeDefinition challenge) => Indexed.Challenges.TryGetValue(challengeId, out challenge!);

    /// <summary>Booths whose floor area is this zone.</summary>
    public IReadOnlyList<BoothDefinition> BoothsIn(string zoneId) => Indexed.BoothsByZone.TryGetValue(zoneId, out var b) ? b : [];

    /// <summary>Sessions held in this zone, by start time.</summary>
    public IReadOnlyList<SessionDefinition> SessionsIn(string zoneId) => Indexed.SessionsByZone.TryGetValue(zoneId, out var s) ? s : [];

    /// <summary>The points a challenge is worth: its own, else the layout's default.</summary>
    public int PointsFor(ChallengeDefinition challenge) => challenge.Points ?? Points.Challenge;

    private sealed class Index
    {
        public Index(VenueLayout layout)
        {
            Zones = layout.Zones.ToFrozenDictionary(z => z.Id, StringComparer.Ordinal);
            Portals = layout.Portals.ToFrozenDictionary(p => p.Id, StringComparer.Ordinal);
            ByAntenna = layout.Portals
                .SelectMany(p => new[] { (Key: (p.ReaderId, p.OuterAntenna), Portal: p), (Key: (p.ReaderId, p.InnerAntenna), Portal: p) })
                .ToFrozenDictionary(x => x.Key, x => x.Portal);
            Readers = layout.Portals.Select(p => p.ReaderId).ToFrozenSet(StringComparer.Ordinal);
            Booths = layout.Booths.ToFrozenDictionary(b => b.Id, StringComparer.Ordinal);
            Sessions = layout.Sessions.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
            Challenges = layout.Challenges.ToFrozenDictionary(c => c.Id, StringComparer.Ordinal);
            BoothsByZone = layout.Booths.Where(b => b.Zone is not null)
                .GroupBy(b => b.Zone!, StringComparer.Ordinal)
                .ToFrozenDictionary(g => g.Key, g => (IReadOnlyList<BoothDefinition>)[.. g], StringComparer.Ordinal);
            SessionsByZone = layout.Sessions
                .GroupBy(s => s.Zone, StringComparer.Ordinal)
                .ToFrozenDictionary(g => g.Key, g => (IReadOnlyList<SessionDefinition>)[.. g.OrderBy(s => s.StartsAt)], StringComparer.Ordinal);
        }

        public FrozenDictionary<string, ZoneDefinition> Zones { get; }

        public FrozenDictionary<string, PortalDefinition> Portals { get; }

        public FrozenDictionary<(string ReaderId, int Antenna), PortalDefinition> ByAntenna { get; }

        public FrozenSet<string> Readers { get; }

        public FrozenDictionary<string, BoothDefinition> Booths { get; }

        public FrozenDictionary<string, SessionDefinition> Sessions { get; }

        public FrozenDictionary<string, ChallengeDefinition> Challenges { get; }

        public FrozenDictionary<string, IReadOnlyList<BoothDefinition>> BoothsByZone { get; }

        public FrozenDictionary<string, IReadOnlyList<SessionDefinition>> SessionsByZone { get; }
    }
}
