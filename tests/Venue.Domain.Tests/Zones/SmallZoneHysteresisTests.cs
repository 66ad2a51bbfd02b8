using Venue.Domain.Telemetry;

namespace Venue.Domain.Tests.Zones;

public sealed class SmallZoneHysteresisTests
{
    private static readonly DateTimeOffset T0 = TelemetryRig.Start;

    /// <summary>
    /// "A crowd hovering at a threshold does not flap the alert", also where the hysteresis is less than
    /// one person (capacity under 20 with the defaults: session rooms, booth stands).
    /// </summary>
    [Fact]
    public async Task A_small_room_hovering_at_capacity_does_not_flap_its_full_alert()
    {
        await using var rig = new TelemetryRig();
        var t = T0;
        for (var i = 0; i < 10; i++)
        {
            await rig.MoveAsync($"P-{i}", null, "room-1", t = t.AddSeconds(1)); // room-1: capacity 10
        }

        for (var round = 0; round < 3; round++)
        {
            await rig.MoveAsync("P-0", "room-1", "hall-a", t = t.AddSeconds(1)); // 9 inside
            await rig.MoveAsync("P-0", "hall-a", "room-1", t = t.AddSeconds(1)); // 10 inside
        }

        var full = rig.Alerts.Items.Where(a => a.ZoneId == "room-1" && a.Level == ZoneLevel.Full).ToList();
        Assert.Single(full); // raised once; 9 of 10 is inside any hysteresis band worth the name
    }
}
