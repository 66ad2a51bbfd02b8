using System.Net;
using System.Text.Json;
using Venue.Domain.Devices;
using Venue.Edge.Tests.Infrastructure;

namespace Venue.Edge.Tests.Telemetry;

/// <summary>
/// A small expo on an in-process edge: the standard gates (which lead into hall-a) and a venue layout
/// of its own, written into the test's directory:
/// <code>
///   outside --[front-door: fx-1 antennas 3→4]--> lobby --[lobby-hall-a: r700-1 antennas 1→2]--> hall-a
///   hall-a --[hall-a-room-1: fx-1 antennas 1→2]--> room-1 (capacity 4: Warn at 2, Alert at 3, Full at 4, hysteresis 1 person)
/// </code>
/// with booth B1 and challenge "quiz" (40 points). Credentials: a reader per reader id (named after
/// it, as readers must be), an ops console and the edge's own scanner.
/// </summary>
public sealed class Expo : IAsyncDisposable
{
    public const string Zebra = "fx-1";
    public const string Impinj = "r700-1";
    public const string Booth = "B1";
    public const string Challenge = "quiz";
    public const int ChallengePoints = 40;
    public const int BoothPoints = 15;

    /// <summary>fx-1's antennas on the hall-a / room-1 doorway.</summary>
    public const int HallSide = 1, RoomSide = 2;

    /// <summary>r700-1's antennas on the lobby / hall-a doorway.</summary>
    public const int LobbySide = 1, HallSideOfLobbyDoor = 2;

    public const string Layout = """
        {
          "Format": "venue-layout/1",
          "Zones": [
            { "Id": "lobby", "Name": "Lobby", "Capacity": 100 },
            { "Id": "hall-a", "Name": "Hall A", "Capacity": 100 },
            // Tiny on purpose: Warn at 2 people, Alert at 3, Full at 4; each clears one person lower.
            { "Id": "room-1", "Name": "Room 1", "Capacity": 4, "Warn": 0.5, "Alert": 0.75, "Full": 1.0, "Hysteresis": 0.25 },
          ],
          "Portals": [
            { "Id": "hall-a-room-1", "Name": "Hall A to room 1", "ReaderId": "fx-1", "OuterAntenna": 1, "InnerAntenna": 2, "OuterZone": "hall-a", "InnerZone": "room-1" },
            { "Id": "front-door", "Name": "Front door", "ReaderId": "fx-1", "OuterAntenna": 3, "InnerAntenna": 4, "InnerZone": "lobby" },
            { "Id": "lobby-hall-a", "Name": "Lobby to hall A", "ReaderId": "r700-1", "OuterAntenna": 1, "InnerAntenna": 2, "OuterZone": "lobby", "InnerZone": "hall-a" },
          ],
          "Booths": [ { "Id": "B1", "Name": "Acme", "Exhibitor": "Acme Robotics Ltd" } ],
          "Challenges": [ { "Id": "quiz", "Name": "Robotics quiz", "Points": 40 } ],
        }
        """;

    private readonly Dictionary<string, long> _eventNums = new(StringComparer.Ordinal);

    private Expo(EdgeScenario scenario, IReadOnlyDictionary<string, string> badges, string zebraToken, string impinjToken, string opsToken,
        IReadOnlyDictionary<string, string> boothTokens)
    {
        BoothTokens = boothTokens;
        Scenario = scenario;
        Badges = badges;
        ZebraToken = zebraToken;
        ImpinjToken = impinjToken;
        OpsToken = opsToken;
    }

    public EdgeScenario Scenario { get; }

    /// <summary>Attendee id → their current badge token.</summary>
    public IReadOnlyDictionary<string, string> Badges { get; }

    public string ZebraToken { get; }

    /// <summary>Each booth app's credential (a scanner named <c>booth:{boothId}</c>), by booth id.</summary>
    public IReadOnlyDictionary<string, string> BoothTokens { get; }

    /// <summary>The app of a booth: it captures and exports that booth's leads.</summary>
    public ScannerClient BoothApp(string boothId = Booth) => Reader(BoothTokens[boothId]);

    public string ImpinjToken { get; }

    public string OpsToken { get; }

    public ScannerClient Scanner => Scenario.Scanner;

    public ScannerClient Ops => new(Scenario.Edge.Http, OpsToken);

    public ScannerClient Reader(string? token) => new(Scenario.Edge.Http, token);

    public ScannerClient ZebraReader => Reader(ZebraToken);

    public ScannerClient ImpinjReader => Reader(ImpinjToken);

    /// <summary>Starts the edge with the expo's layout; <paramref name="settings"/> adds configuration keys.</summary>
    public static async Task<Expo> StartAsync(IEnumerable<string> attendees, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var badges = new Dictionary<string, string>(StringComparer.Ordinal);
        var scenario = await EdgeScenario.StartAsync(
            ledger =>
            {
                foreach (var id in attendees)
                {
                    badges[id] = ledger.Add(id);
                }
            },
            setup =>
            {
                var layout = Path.Combine(Path.GetDirectoryName(setup.DataDirectory)!, "venue-layout.json");
                File.WriteAllText(layout, Layout);
                return setup with { LayoutPath = layout, Settings = settings };
            });
        try
        {
            var devices = scenario.Edge.Devices;
            var (_, zebra) = await devices.CreateAsync(Zebra, DeviceRole.Reader);
            var (_, impinj) = await devices.CreateAsync(Impinj, DeviceRole.Reader);
            var (_, ops) = await devices.CreateAsync("ops console", DeviceRole.Ops);
            var booths = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var booth in new[] { "B1", "B2" })
            {
                booths[booth] = (await devices.CreateAsync(Venue.Edge.Telemetry.BoothApps.CredentialName(booth), DeviceRole.Scanner)).Token;
            }

            return new Expo(scenario, badges, zebra, impinj, ops, booths);
        }
        catch
        {
            await scenario.DisposeAsync();
            throw;
        }
    }

    /// <summary>The reader's next event number (each reader counts its own, from 1).</summary>
    public long NextEventNum(string readerId)
    {
        _eventNums[readerId] = _eventNums.GetValueOrDefault(readerId) + 1;
        return _eventNums[readerId];
    }

    /// <summary>A walk through the Zebra reader's hall-a / room-1 doorway, into the room or out of it.</summary>
    public IReadOnlyList<PlannedRead> RoomPass(string attendeeId, bool inward, DateTimeOffset at) =>
        ReaderJson.Pass(() => NextEventNum(Zebra), attendeeId, inward ? HallSide : RoomSide, inward ? RoomSide : HallSide, at);

    public async Task<HttpAnswer> PostZebraAsync(IEnumerable<PlannedRead> reads)
    {
        var answer = await ZebraReader.PostAsync($"/v1/readers/{Zebra}/reads", ReaderJson.Zebra(reads));
        Assert.True(answer.Status == HttpStatusCode.OK, $"POST reads as {Zebra}: {answer}");
        return answer;
    }

    /// <summary>Scans the badge in at G01 (into hall-a) and waits until the edge has them in hall-a; returns the admission's time.</summary>
    public async Task<DateTimeOffset> AdmitAsync(string attendeeId)
    {
        var answer = await Scanner.ScanAsync("G01", Badges[attendeeId]);
        Assert.True(answer.Result == "admitted", $"admission of {attendeeId}: {answer}");
        await ZoneOfAsync(attendeeId, "hall-a", "the gate admission to put them in the gate's zone");
        return answer.Json.GetProperty("at").GetDateTimeOffset();
    }

    /// <summary>Waits until <c>/v1/attendees/{id}/location</c> names <paramref name="zone"/> (null: no zone).</summary>
    public Task ZoneOfAsync(string attendeeId, string? zone, string why)
    {
        JsonElement last = default;
        return Eventually.UntilAsync(async () =>
        {
            last = await LocationAsync(attendeeId);
            return ZoneIn(last) == zone;
        }, TimeSpan.FromSeconds(10), () => $"{attendeeId} in zone '{zone ?? "(none)"}' ({why}); location was {last}");
    }

    /// <summary>The zone a location names; null when it names none (the property is then left out).</summary>
    public static string? ZoneIn(JsonElement location) =>
        location.TryGetProperty("zone", out var zone) && zone.ValueKind == JsonValueKind.String ? zone.GetString() : null;

    public async Task<JsonElement> LocationAsync(string attendeeId) => await OkJsonAsync($"/v1/attendees/{attendeeId}/location");

    public async Task<JsonElement> ZoneAsync(string zoneId) => await OkJsonAsync($"/v1/zones/{zoneId}");

    /// <summary>Zone id → occupancy, from <c>GET /v1/zones</c>.</summary>
    public async Task<Dictionary<string, int>> OccupancyAsync() =>
        (await OkJsonAsync("/v1/zones")).EnumerateArray().ToDictionary(z => z.GetProperty("zoneId").GetString()!, z => z.GetProperty("occupancy").GetInt32());

    public async Task<JsonElement> OkJsonAsync(string path, ScannerClient? client = null)
    {
        var answer = await (client ?? Ops).GetAsync(path);
        Assert.True(answer.Status == HttpStatusCode.OK, $"GET {path}: {answer}");
        return answer.Json.Clone();
    }

    /// <summary>The <c>telemetry</c> part of <c>/healthz</c>.</summary>
    public async Task<JsonElement> TelemetryHealthAsync() =>
        (await OkJsonAsync("/healthz", new ScannerClient(Scenario.Edge.Http, null))).GetProperty("telemetry");

    public ValueTask DisposeAsync() => Scenario.DisposeAsync();
}
