using System.Text.Json;
using Venue.Domain.Booths;
using Venue.Domain.Layout;
using Venue.Domain.Leaderboards;
using Venue.Domain.Portals;
using Venue.Domain.Sessions;
using Venue.Domain.Zones;

namespace Venue.Simulation.Crowd;

/// <summary>
/// The simulated floor behind each edge's gates: a lobby the gates lead into, a hall, a session
/// room, a food court and three booths with stands, joined by RFID portals on three readers. Each
/// edge has its own (ids prefixed with the edge), as a gate cluster's LAN has its own readers;
/// people wander only within the area of the entrance they came in by. Capacities are set from the
/// number of people expected there, so a busy hall and a packed session cross their thresholds.
/// </summary>
public static class CrowdLayout
{
    public const string Challenge = "quiz";

    public static string Lobby(string edge) => $"{edge}-lobby";

    public static string Hall(string edge) => $"{edge}-hall";

    public static string Room(string edge) => $"{edge}-room";

    public static string Food(string edge) => $"{edge}-food";

    public static string Stand(string edge, int booth) => $"{edge}-stand-{booth}";

    public static string Booth(string edge, int booth) => $"{edge}-B{booth}";

    public static string Session(string edge) => $"{edge}-talk";

    public const int Booths = 3;

    /// <summary>
    /// The layout of <paramref name="edge"/>'s area for about <paramref name="people"/> people, with its
    /// session from <paramref name="sessionStart"/> for 50 minutes (event time).
    /// </summary>
    public static VenueLayout For(string edge, int people, DateTimeOffset sessionStart)
    {
        var n = Math.Max(people, 20);
        int Cap(double share) => Math.Max(4, (int)(n * share));
        var zones = new List<ZoneDefinition>
        {
            new(Lobby(edge), $"{edge} lobby", Cap(0.55)),
            new(Hall(edge), $"{edge} hall", Cap(0.60)),
            new(Room(edge), $"{edge} session room", Cap(0.20)),
            new(Food(edge), $"{edge} food court", Cap(0.15)),
        };
        var portals = new List<PortalDefinition>
        {
            new($"{edge}-lobby-hall", $"{edge} lobby to hall", Reader(edge, 1), 1, 2, Lobby(edge), Hall(edge)),
            new($"{edge}-hall-room", $"{edge} hall to session room", Reader(edge, 1), 3, 4, Hall(edge), Room(edge)),
            new($"{edge}-hall-food", $"{edge} hall to food court", Reader(edge, 2), 1, 2, Hall(edge), Food(edge)),
        };
        var booths = new List<BoothDefinition>();
        for (var b = 1; b <= Booths; b++)
        {
            zones.Add(new ZoneDefinition(Stand(edge, b), $"{edge} stand {b}", Cap(0.04)));
            // Readers 2 and 3 carry the stands' arches on their spare antenna pairs.
            var (reader, outer) = b == 1 ? (Reader(edge, 2), 3) : (Reader(edge, 3), b == 2 ? 1 : 3);
            portals.Add(new PortalDefinition($"{edge}-arch-{b}", $"{edge} stand {b} arch", reader, outer, outer + 1, Hall(edge), Stand(edge, b)));
            booths.Add(new BoothDefinition(Booth(edge, b), $"Booth {b} ({edge})", Exhibitors[(b - 1) % Exhibitors.Length], Stand(edge, b)));
        }

        return new VenueLayout
        {
            Format = VenueLayout.FormatName,
            Zones = zones,
            Portals = portals,
            Booths = booths,
            Sessions = [new SessionDefinition(Session(edge), "Keynote", Room(edge), sessionStart, sessionStart.AddMinutes(50))],
            Challenges = [new ChallengeDefinition(Challenge, "Robotics quiz")],
        }.Validate();
    }

    public static string Reader(string edge, int number) => $"{edge}-r{number}";

    /// <summary>The layout as the edge reads it from its file (docs/venue-layout.md).</summary>
    public static string ToJson(VenueLayout layout) => JsonSerializer.Serialize(layout, JsonOptions);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private static readonly string[] Exhibitors = ["Acme Robotics Ltd", "Globex Corporation", "Initech GmbH"];
}
