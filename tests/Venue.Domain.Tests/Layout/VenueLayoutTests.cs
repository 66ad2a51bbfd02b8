using Venue.Domain.Layout;
using Venue.Domain.Telemetry;
using Venue.Domain.Zones;

namespace Venue.Domain.Tests.Layout;

public sealed class VenueLayoutTests
{
    private const string Minimal = """
        {
          // a comment, as operators write them
          "format": "venue-layout/1",
          "zones": [
            { "id": "lobby", "name": "Lobby", "capacity": 500 },
            { "id": "hall-a", "name": "Hall A", "capacity": 100, "warn": 0.7, },
          ],
          "portals": [
            { "id": "p1", "name": "Lobby to hall A", "readerId": "r1", "outerAntenna": 1, "innerAntenna": 2, "outerZone": "lobby", "innerZone": "hall-a" },
            { "id": "p0", "name": "Front door", "readerId": "r1", "outerAntenna": 3, "innerAntenna": 4, "innerZone": "lobby" },
          ],
          "booths": [ { "id": "B1", "name": "Acme", "exhibitor": "Acme Ltd", "zone": "hall-a" } ],
          "sessions": [ { "id": "s1", "title": "Keynote", "zone": "hall-a", "startsAt": "2030-06-01T10:00:00Z", "endsAt": "2030-06-01T11:00:00Z" } ],
          "points": { "booth": 20 },
          "challenges": [ { "id": "quiz", "name": "Quiz", "points": 40 }, { "id": "walk", "name": "Walk" } ],
          "debounceWindow": "00:00:04",
        }
        """;

    [Fact]
    public void A_commented_layout_parses_with_defaults_for_what_it_leaves_out()
    {
        var layout = VenueLayout.Parse(Minimal);

        Assert.True(layout.TryGetZone("hall-a", out var hall));
        Assert.Equal(new ZoneDefinition("hall-a", "Hall A", 100, Warn: 0.7), hall);
        Assert.Equal(0.90, hall.Alert);
        Assert.Equal(0.05, hall.Hysteresis);
        Assert.Equal(TimeSpan.FromSeconds(4), layout.DebounceWindow);
        Assert.Equal(TimeSpan.FromSeconds(2), layout.DirectionWindow);
        Assert.Equal(TimeSpan.FromMinutes(5), layout.SessionMinimumStay);
        Assert.Equal(20, layout.Points.Booth);
        Assert.Equal(10, layout.Points.Session);
        Assert.True(layout.TryGetChallenge("quiz", out var quiz));
        Assert.Equal(40, layout.PointsFor(quiz));
        Assert.True(layout.TryGetChallenge("walk", out var walk));
        Assert.Equal(25, layout.PointsFor(walk));
        Assert.Equal(["B1"], layout.BoothsIn("hall-a").Select(b => b.Id));
        Assert.Equal(["s1"], layout.SessionsIn("hall-a").Select(s => s.Id));
        Assert.Empty(layout.SessionsIn("lobby"));
    }

    [Fact]
    public void One_reader_serves_several_portals_on_different_antennas()
    {
        var layout = VenueLayout.Parse(Minimal);

        Assert.True(layout.IsKnownReader("r1"));
        Assert.False(layout.IsKnownReader("r2"));
        Assert.True(layout.TryGetPortal("r1", 2, out var inner));
        Assert.Equal("p1", inner.Id);
        Assert.True(layout.TryGetPortal("r1", 3, out var front));
        Assert.Equal("p0", front.Id);
        Assert.Null(front.OuterZone);
        Assert.False(layout.TryGetPortal("r1", 5, out _));
    }

    [Fact]
    public void Every_problem_is_reported_in_operator_words()
    {
        var json = """
            {
              "zones": [
                { "id": "hall-a", "name": "Hall A", "capacity": 0 },
                { "id": "hall-a", "name": "Hall A again", "capacity": 10, "warn": 0.9, "alert": 0.8 },
                { "id": "hall-b", "name": "Hall B", "capacity": 10, "hysteresis": 0.95 },
              ],
              "portals": [
                { "id": "p1", "name": "one", "readerId": "r1", "outerAntenna": 1, "innerAntenna": 2, "innerZone": "hall-a" },
                { "id": "p2", "name": "two", "readerId": "r1", "outerAntenna": 2, "innerAntenna": 2, "innerZone": "hall-a" },
                { "id": "p3", "name": "three", "readerId": "r1", "outerAntenna": 2, "innerAntenna": 3, "outerZone": "nowhere", "innerZone": "hall-z" },
              ],
              "booths": [ { "id": "B1", "name": "Acme", "exhibitor": "Acme", "zone": "hall-q" } ],
              "sessions": [ { "id": "s1", "title": "Keynote", "zone": "hall-b", "startsAt": "2030-06-01T10:00:00Z", "endsAt": "2030-06-01T10:00:00Z" } ],
              "directionWindow": "00:00:05",
            }
            """;

        var problems = Assert.Throws<LayoutException>(() => VenueLayout.Parse(json)).Problems;

        Assert.Equal(
            [
                "Layout:Zones[1]: Id 'hall-a' is already used by Zones[0].",
                "Layout:Zones[0]: Capacity must be more than 0, was 0.",
                "Layout:Zones[1]: thresholds must satisfy 0 < Warn < Alert <= Full <= 2, were Warn 0.9, Alert 0.8, Full 1.",
                "Layout:Zones[2]: Hysteresis must be at least 0 and below Warn (0.8), was 0.95.",
                "Layout:Portals[1]: OuterAntenna and InnerAntenna are both 2; direction needs two antennas.",
                "Layout:Portals[2]: reader 'r1' antenna 2 already serves Portals[0].",
                "Layout:Portals[2]: InnerZone 'hall-z' is not a zone.",
                "Layout:Portals[2]: OuterZone 'nowhere' is not a zone (leave it out or null for outside the venue).",
                "Layout:Booths[0]: Zone 'hall-q' is not a zone.",
                "Layout:Sessions[0]: EndsAt (2030-06-01T10:00:00.0000000+00:00) must be after StartsAt (2030-06-01T10:00:00.0000000+00:00).",
                "Layout:DirectionWindow: must be more than zero and at most DebounceWindow (00:00:03), was 00:00:05.",
            ],
            problems);
    }

    [Fact]
    public void Challenges_worth_nothing_reader_ids_that_break_their_topic_and_sessions_without_a_start_are_problems()
    {
        var json = """
            {
              "zones": [ { "id": "hall", "name": "Hall", "capacity": 10 } ],
              "portals": [ { "id": "p1", "name": "Door", "readerId": "fx.lobby", "outerAntenna": 1, "innerAntenna": 2, "innerZone": "hall" } ],
              "sessions": [ { "id": "s1", "title": "Keynote", "zone": "hall", "endsAt": "2030-06-01T10:00:00Z" } ],
              "points": { "challenge": 0 },
              "challenges": [ { "id": "quiz", "name": "Quiz", "points": 0 }, { "id": "walk", "name": "Walk" }, { "id": "run", "name": "Run", "points": 5 } ],
            }
            """;

        var problems = Assert.Throws<LayoutException>(() => VenueLayout.Parse(json)).Problems;

        Assert.Equal(
            [
                "Layout:Portals[0]: ReaderId 'fx.lobby' may not contain '.', '/', '+' or '#': it is one level of the reader's MQTT topic.",
                "Layout:Sessions[0]: StartsAt and EndsAt are both required.",
                "Layout:Challenges[0]: Points must be more than 0, was 0.",
                "Layout:Challenges[1]: is worth Points.Challenge, 0; a challenge must be worth more than 0 points.",
            ],
            problems);
    }

    [Fact]
    public void A_list_given_as_null_is_an_empty_list()
    {
        var layout = VenueLayout.Parse("""{ "zones": [ { "id": "a", "name": "A", "capacity": 1 } ], "portals": null, "booths": null, "sessions": null, "challenges": null }""");

        Assert.Empty(layout.Portals);
        Assert.False(layout.TryGetChallenge("quiz", out _));
        Assert.Empty(layout.BoothsIn("a"));
    }

    [Fact]
    public void A_misspelt_key_is_a_problem_rather_than_a_silent_default()
    {
        var e = Assert.Throws<LayoutException>(() => VenueLayout.Parse("""{ "zones": [ { "id": "a", "name": "A", "capcity": 10 } ] }"""));

        Assert.Contains("capcity", Assert.Single(e.Problems), StringComparison.Ordinal);
    }

    [Fact]
    public void A_layout_with_problems_cannot_be_used_for_look_ups()
    {
        var layout = new VenueLayout { Zones = [new ZoneDefinition("a", "A", Capacity: -1)] };

        Assert.Single(layout.Problems());
        Assert.Throws<LayoutException>(() => layout.TryGetZone("a", out _));
    }

    [Fact]
    public void Loading_a_missing_file_says_which_file()
    {
        var e = Assert.Throws<LayoutException>(() => VenueLayout.Load("/nonexistent/venue-layout.json"));

        Assert.Contains("/nonexistent/venue-layout.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_example_layout_in_silo_config_is_valid()
    {
        var path = RepositoryFiles.Path("silo-config", "venue-layout.json");

        var layout = VenueLayout.Load(path);

        Assert.True(layout.Zones.Count >= 6);
        Assert.True(layout.Portals.Count >= 6);
        Assert.Equal(5, layout.Booths.Count);
        Assert.Equal(2, layout.Sessions.Count);
        Assert.Equal(2, layout.Challenges.Count);
    }

    [Theory]
    [InlineData(89, ZoneLevel.Warn)]
    [InlineData(90, ZoneLevel.Alert)]
    [InlineData(100, ZoneLevel.Full)]
    [InlineData(79, ZoneLevel.Normal)]
    public void Thresholds_are_whole_people_at_the_fraction_of_capacity(int occupancy, ZoneLevel expected)
    {
        var zone = new ZoneDefinition("z", "Z", 100);

        Assert.Equal(expected, zone.NextLevel(ZoneLevel.Normal, occupancy));
        Assert.Equal(85, zone.ClearBelow(ZoneLevel.Alert));
        Assert.Equal(90, zone.RaiseAt(ZoneLevel.Alert));
    }
}
