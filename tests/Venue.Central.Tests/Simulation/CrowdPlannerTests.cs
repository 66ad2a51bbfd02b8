using Venue.Simulation.Crowd;

namespace Venue.Central.Tests.Simulation;

/// <summary>The crowd's day starts after the rush's last gate passage, whenever the rush ends.</summary>
public sealed class CrowdPlannerTests
{
    private static readonly DateTimeOffset Planned = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Keynote = Planned + CrowdPlanner.SessionOffset;

    [Fact]
    public void A_rush_that_ends_well_before_the_planned_start_keeps_the_planned_start()
    {
        Assert.Equal(Planned, CrowdPlanner.FloorStart(Planned, Planned.AddMinutes(-5), Keynote));
        Assert.Equal(Planned, CrowdPlanner.FloorStart(Planned, null, Keynote));
    }

    [Fact]
    public void A_rush_that_runs_past_the_planned_start_moves_every_pass_after_its_last_gate_passage()
    {
        // A slow machine: the last admission came 40 s after the floor was planned to open.
        var lastAdmission = Planned.AddSeconds(40);
        var inside = Enumerable.Range(1, 200).ToDictionary(i => $"A{i:D5}", i => $"token-{i}", StringComparer.Ordinal);

        var start = CrowdPlanner.FloorStart(Planned, lastAdmission, Keynote);

        Assert.NotNull(start);
        var plan = CrowdPlanner.Plan("north", inside, start.Value, Keynote, seed: 1);
        Assert.NotEmpty(plan.Passes);
        Assert.All(plan.Passes, p => Assert.True(p.At > lastAdmission, $"{p.AttendeeId} crosses {p.PortalId} at {p.At:O}, before the last admission at {lastAdmission:O}"));
        // The keynote stays where the edges' layouts have it: people still crowd into the room while it runs.
        Assert.Contains(plan.Passes, p => p.PortalId == "north-hall-room" && p.Inward && p.At >= Keynote - CrowdPlanner.KeynoteDoors && p.At < Keynote.AddMinutes(15));
    }

    [Fact]
    public void A_rush_that_ends_after_the_keynote_doors_open_cannot_be_followed_by_the_planned_day()
    {
        Assert.Null(CrowdPlanner.FloorStart(Planned, Keynote - CrowdPlanner.KeynoteDoors, Keynote));
    }
}
