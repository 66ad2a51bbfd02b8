using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Venue.Central.Tests.Infrastructure;
using Venue.Domain.CheckIn;
using Venue.Domain.Sync;
using static Venue.Central.Tests.Infrastructure.TestCentral;

namespace Venue.Central.Tests.Sync;

/// <summary>
/// Central:MaxSyncBodyBytes may be set up to 64 MiB, above Kestrel's own request body limit of
/// 30,000,000 bytes. On real Kestrel (TestCentral), a body just over Kestrel's limit and within the
/// option's shows which of the two decides. The bodies are small documents padded with JSON white
/// space, so central parses little while Kestrel still counts every byte.
/// </summary>
public sealed class SyncBodyLimitTests : IAsyncLifetime
{
    private const int KestrelDefaultLimit = 30_000_000;
    private TestCentral _central = null!;

    public async Task InitializeAsync()
    {
        _central = await TestCentral.StartAsync(more: new Dictionary<string, string?>
        {
            ["Central:MaxSyncBodyBytes"] = (32 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        await _central.RegisterAsync(1);
    }

    public async Task DisposeAsync() => await _central.DisposeAsync();

    /// <summary>The JSON followed by white space up to just over Kestrel's default limit.</summary>
    private static ByteArrayContent PaddedPastKestrelsLimit(string json)
    {
        var bytes = new byte[KestrelDefaultLimit + 1024];
        bytes.AsSpan().Fill((byte)' ');
        Encoding.UTF8.GetBytes(json, bytes);
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    [Fact]
    public async Task A_batch_above_Kestrel_s_default_body_limit_but_within_MaxSyncBodyBytes_is_accepted()
    {
        var north = await _central.EdgeClientAsync("north");
        var json = JsonSerializer.Serialize(new JournalBatchWire("north", [Entry(1, "a0", ScanReason.Admitted, Hlc())]), SyncJsonContext.Default.JournalBatchWire);

        using var response = await north.PostAsync("/v1/sync/journal", PaddedPastKestrelsLimit(json));

        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal(1, (await _central.Silo.Store.GetTotalsAsync()).Entries);
    }

    [Fact]
    public async Task A_status_report_above_Kestrel_s_default_body_limit_but_within_MaxSyncBodyBytes_is_accepted()
    {
        var north = await _central.EdgeClientAsync("north");
        var json = JsonSerializer.Serialize(new EdgeStatusWire("north", "online", 0, 0, 1, 0, 0), SyncJsonContext.Default.EdgeStatusWire);

        using var response = await north.PutAsync("/v1/sync/status", PaddedPastKestrelsLimit(json));

        Assert.True(response.StatusCode == HttpStatusCode.NoContent, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("online", (await _central.Silo.Store.ListSilosAsync()).Single(s => s.SiloId == "north").Status);
    }
}
