using System.Net;
using System.Text.Json;

namespace Venue.Edge.Tests.Telemetry;

/// <summary>Zones, locations, booths and boards live in memory: a restart rebuilds them from the journals.</summary>
public sealed class TelemetryRestartTests
{
    [Fact]
    public async Task After_a_restart_on_the_same_data_directory_zones_locations_leads_and_leaderboards_are_as_they_were()
    {
        string[] people = ["A-1", "A-2", "A-3", "A-4"];
        await using var expo = await Expo.StartAsync(people);
        var admittedAt = DateTimeOffset.MinValue;
        foreach (var person in people[..3])
        {
            admittedAt = await expo.AdmitAsync(person);
        }

        // walk into room-1, A-2 comes back out; A-4 (never scanned in) walks into room-1.
        var t = admittedAt.AddSeconds(1);
        await expo.PostZebraAsync([.. expo.RoomPass("A-1", true, t), .. expo.RoomPass("A-2", true, t.AddMilliseconds(10)), .. expo.RoomPass("A-4", true, t.AddMilliseconds(20))]);
        await expo.PostZebraAsync(expo.RoomPass("A-2", false, t.AddSeconds(5)));
        // A-3 leaves hall-a for the lobby through the Impinj reader's doorway.
        var impinj = ReaderJson.Pass(() => expo.NextEventNum(Expo.Impinj), "A-3", Expo.HallSideOfLobbyDoor, Expo.LobbySide, t.AddSeconds(6));
        Assert.Equal(HttpStatusCode.OK, (await expo.ImpinjReader.PostAsync($"/v1/readers/{Expo.Impinj}/reads", ReaderJson.Impinj(Expo.Impinj, impinj))).Status);
        foreach (var (person, nonce) in new[] { ("A-1", "n1"), ("A-2", "n2"), ("A-1", "n3") })
        {
            var lead = await expo.BoothApp().PostAsync($"/v1/booths/{Expo.Booth}/leads",
                JsonSerializer.Serialize(new { token = expo.Badges[person], rating = 4, notes = $"met {person}", nonce }));
            Assert.True(lead.Status == HttpStatusCode.OK, lead.ToString());
        }

        var quiz = await expo.Scanner.PostAsync($"/v1/challenges/{Expo.Challenge}/completions", JsonSerializer.Serialize(new { token = expo.Badges["A-2"], nonce = "q1" }));
        Assert.Equal("awarded", quiz.Result);

        // A-3 then leaves the venue by a gate (later than every read, by the edge's clock).
        expo.Scenario.Edge.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("exited", (await expo.Scanner.ScanAsync("G02", expo.Badges["A-3"], "exit")).Reason);
        await expo.ZoneOfAsync("A-3", null, "the exit scan to take A-3 out of the lobby");

        var before = await SnapshotAsync(expo, people);
        Assert.Equal(("room-1", "hall-a", null, "room-1"), (Zone(before, "A-1"), Zone(before, "A-2"), Zone(before, "A-3"), Zone(before, "A-4")));

        await expo.Scenario.RestartAsync();

        var replay = expo.Scenario.Edge.Silo.Startup.Telemetry!;
        // Four walks of five reads through room-1's doorway and one through the lobby's; three lead captures (A-1's second one an update) and the quiz;
        // three admissions and an exit.
        Assert.Equal((25L, 4L, 4L), (replay.Reads, replay.Facts, replay.GatePassages));
        var after = await SnapshotAsync(expo, people);
        Assert.Equal(before.Locations, after.Locations);
        Assert.Equal(before.Zones, after.Zones);
        Assert.Equal(before.Booths, after.Booths);
        Assert.Equal(before.Leads, after.Leads);
        Assert.Equal(before.Attendees, after.Attendees);
        Assert.Equal(before.BoothBoard, after.BoothBoard);

        // A booth app retrying a capture it sent before the restart: the journal still knows the nonce.
        var retry = await expo.BoothApp().PostAsync($"/v1/booths/{Expo.Booth}/leads",
            JsonSerializer.Serialize(new { token = expo.Badges["A-2"], rating = 4, notes = "met A-2", nonce = "n2" }));
        Assert.Equal(("updated", "A-2"), (retry.Result, retry.AttendeeId));
        Assert.Equal(before.Booths, (await expo.OkJsonAsync("/v1/booths")).GetRawText());
    }

    [Fact]
    public async Task A_pass_the_portal_timer_decided_before_a_gate_exit_is_replayed_before_that_exit_after_a_restart()
    {
        string[] people = ["A-1"];
        await using var expo = await Expo.StartAsync(people);
        var admittedAt = await expo.AdmitAsync("A-1");
        // Seen by the room's antenna only: the portal's timer decides the pass once the doorway has been quiet for the direction window.
        await expo.PostZebraAsync([new(expo.NextEventNum(Expo.Zebra), "A-1", Expo.RoomSide, admittedAt.AddSeconds(1))]);
        await expo.ZoneOfAsync("A-1", "room-1", "the portal's timer to decide the one-antenna pass");
        expo.Scenario.Edge.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal("exited", (await expo.Scanner.ScanAsync("G02", expo.Badges["A-1"], "exit")).Reason);
        await expo.ZoneOfAsync("A-1", null, "the exit scan to take A-1 out of room-1");
        var before = await SnapshotAsync(expo, people);
        var room = (await expo.ZoneAsync("room-1")).GetRawText();

        await expo.Scenario.RestartAsync();

        // Replayed in the order the edge lived it: into room-1 (the timer), then out (the exit), so
        // room-1 keeps the visit; a replay that decides the pass only at its end finds it older than the exit and drops it.
        var after = await SnapshotAsync(expo, people);
        Assert.Equal(before.Zones, after.Zones);
        Assert.Equal(room, (await expo.ZoneAsync("room-1")).GetRawText());
        Assert.Equal(before.Locations, after.Locations);
    }

    [Fact]
    public async Task An_exit_refused_as_not_inside_takes_the_attendee_out_of_every_zone_also_after_a_restart()
    {
        await using var expo = await Expo.StartAsync(["A-1"]);
        // Never scanned in here (admitted at an edge this one was cut off from), yet read walking into room-1.
        await expo.PostZebraAsync(expo.RoomPass("A-1", inward: true, expo.Scenario.Edge.Time.GetUtcNow()));
        await expo.ZoneOfAsync("A-1", "room-1", "the walk into room-1");
        expo.Scenario.Edge.Time.Advance(TimeSpan.FromMinutes(1));

        var exit = await expo.Scanner.ScanAsync("G02", expo.Badges["A-1"], "exit");

        Assert.Equal("not_inside", exit.Reason);
        await expo.ZoneOfAsync("A-1", null, "the refused exit to take A-1 out of room-1: nobody is kept in");
        Assert.Equal(0, (await expo.OccupancyAsync())["room-1"]);
        await expo.Scenario.RestartAsync();
        Assert.Null(Expo.ZoneIn(await expo.LocationAsync("A-1")));
        Assert.Equal(0, (await expo.OccupancyAsync())["room-1"]);
    }

    private static string? Zone(Snapshot snapshot, string attendeeId) =>
        Expo.ZoneIn(JsonDocument.Parse(snapshot.Locations[attendeeId]).RootElement);

    private sealed record Snapshot(Dictionary<string, string> Locations, string Zones, string Booths, string Leads, string Attendees, string BoothBoard);

    /// <summary>What ops and booth apps see, as JSON text (every field, so any difference shows).</summary>
    private static async Task<Snapshot> SnapshotAsync(Expo expo, IEnumerable<string> people)
    {
        var locations = new Dictionary<string, string>();
        foreach (var person in people)
        {
            locations[person] = (await expo.LocationAsync(person)).GetRawText();
        }

        return new Snapshot(
            locations,
            (await expo.OkJsonAsync("/v1/zones")).GetRawText(),
            (await expo.OkJsonAsync("/v1/booths")).GetRawText(),
            (await expo.OkJsonAsync($"/v1/booths/{Expo.Booth}/leads")).GetRawText(),
            (await expo.OkJsonAsync("/v1/leaderboards/attendees")).GetRawText(),
            (await expo.OkJsonAsync("/v1/leaderboards/booths")).GetRawText());
    }

    [Fact]
    public async Task A_walk_in_admitted_on_a_signed_badge_before_the_ledger_lists_them_can_be_located_also_after_a_restart()
    {
        await using var expo = await Expo.StartAsync(["A-1"]);
        // Registered at central after this edge's ledger was written: the badge is signed, the ledger does not know W-1.
        var walkIn = expo.Scenario.Ledger.Issue("W-1");
        var never = await expo.Ops.GetAsync("/v1/attendees/W-2/location");
        Assert.Equal(HttpStatusCode.NotFound, never.Status);

        var scan = await expo.Scanner.ScanAsync("G01", walkIn);
        Assert.True(scan.Result == "admitted", scan.ToString());
        await expo.ZoneOfAsync("W-1", "hall-a", "the walk-in's admission to put them in the gate's zone");
        await expo.Scenario.RestartAsync();

        var location = await expo.LocationAsync("W-1");
        Assert.Equal("hall-a", Expo.ZoneIn(location));
        Assert.True(location.GetProperty("admitted").GetBoolean(), location.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await expo.Ops.GetAsync("/v1/attendees/W-2/location")).Status);
    }

}
