using System.Net;
using System.Text.Json;
namespace Venue.Edge.Tests.Telemetry;

public sealed class LayoutEditRestartTests
{
    /// <summary>
    /// An operator fixes the layout mid-event (booth "B1" renamed) and restarts the edge: the journal's
    /// lead at B1 names a booth the layout no longer has. Gates come up all the same; the lead stays in
    /// the journal, not replayed.
    /// </summary>
    [Fact]
    public async Task An_edge_whose_layout_no_longer_names_a_booth_with_journaled_leads_still_starts_and_admits()
    {
        string[] people = ["A-1", "A-2"];
        await using var expo = await Expo.StartAsync(people);
        await expo.AdmitAsync("A-1");
        var lead = await expo.BoothApp().PostAsync($"/v1/booths/{Expo.Booth}/leads",
            JsonSerializer.Serialize(new { token = expo.Badges["A-1"], rating = 4, nonce = "n1" }));
        Assert.Equal(HttpStatusCode.OK, lead.Status);

        var layoutPath = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(expo.Scenario.TelemetryPath))!, "venue-layout.json");
        Assert.True(File.Exists(layoutPath));
        File.WriteAllText(layoutPath, Expo.Layout.Replace("\"Id\": \"B1\"", "\"Id\": \"B10\"", StringComparison.Ordinal));

        await expo.Scenario.RestartAsync();

        Assert.Equal("admitted", (await expo.Scanner.ScanAsync("G01", expo.Badges["A-2"], "entry")).Reason);
        // The lead is still in the journal (a layout naming B1 again would replay it).
        Assert.Equal(1L, (await expo.TelemetryHealthAsync()).GetProperty("lastFactSequence").GetInt64());
    }
}
