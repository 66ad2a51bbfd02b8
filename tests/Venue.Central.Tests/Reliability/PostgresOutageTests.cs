using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Venue.Domain.Central;
using Venue.Domain.Ledger;
using Venue.Domain.Sync;
using Venue.Domain.Tickets;
using Venue.Simulation;
using Venue.Testing.Postgres;
using Venue.Testing.Processes;

namespace Venue.Central.Tests.Reliability;

/// <summary>
/// A central on a real PostgreSQL that goes away and comes back (pg_ctl stop -m fast, then start, as
/// a restart does): what edges and integrators get meanwhile, and whether central recovers on its own.
/// </summary>
[Collection(ReliabilityCollection.Name)]
public sealed class PostgresOutageTests(PostgresFixture postgres, ITestOutputHelper output) : IClassFixture<PostgresFixture>
{
    private static readonly TimeSpan RecoveryLimit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Requests_while_PostgreSQL_is_down_get_a_503_problem_with_Retry_After_and_central_recovers_when_it_is_back()
    {
        if (!postgres.Met(output))
        {
            return;
        }

        var server = postgres.Server!;
        var database = await postgres.DatabaseAsync("central_outage");
        using var directory = new TempDirectory();
        using (var key = TicketSigningKey.Create("k1"))
        {
            await File.WriteAllTextAsync(directory.File("k1.private.pem"), key.ExportPrivatePem());
        }

        await using var central = await CentralWebHost.StartAsync("outage-test", directory.File("central"), directory.File("k1.private.pem"),
            [new TicketType("general", Reentry: true, Gates: null)], postgres: database);
        var (_, apiKey) = await central.Silo.Store.CreateApiKeyAsync("outage test", [ApiScope.ConflictsRead], 100_000, DateTimeOffset.UtcNow);
        using var api = Client(central.Address, apiKey);
        using var edge = Client(central.Address, await central.AddEdgeAsync("north"));
        long seq = 0;

        // Warm: several pooled connections, every one of them broken by the restart.
        var warm = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => api.GetAsync("/v1/conflicts")).Concat([UploadAsync(edge, ++seq)]));
        Assert.All(warm, r => Assert.True(r.IsSuccessStatusCode, $"before the outage: {r.StatusCode}"));

        await server.StopAsync();
        try
        {
            var down = await Task.WhenAll(
                api.GetAsync("/v1/conflicts"), api.GetAsync("/v1/conflicts"), UploadAsync(edge, ++seq), edge.GetAsync("/v1/sync/journal/position"));
            foreach (var response in down)
            {
                var body = await response.Content.ReadAsStringAsync();
                output.WriteLine($"{response.RequestMessage!.Method} {response.RequestMessage.RequestUri!.PathAndQuery} while down: {(int)response.StatusCode} {body}");
                Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.NotNull(response.Headers.RetryAfter?.Delta);
                Assert.Contains("database", body, StringComparison.OrdinalIgnoreCase);
                Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
            }
        }
        finally
        {
            await server.StartAsync();
        }

        // Back: stale pooled connections may cost a 503 or two, never a 500, and central answers again without a restart.
        var statuses = new List<HttpStatusCode>();
        await Eventually.UntilAsync(async () =>
        {
            using var conflicts = await api.GetAsync("/v1/conflicts");
            using var upload = await UploadAsync(edge, seq); // the one refused while down, sent again
            statuses.Add(conflicts.StatusCode);
            statuses.Add(upload.StatusCode);
            Assert.DoesNotContain(HttpStatusCode.InternalServerError, statuses);
            return conflicts.IsSuccessStatusCode && upload.IsSuccessStatusCode;
        }, RecoveryLimit, () => $"central to answer 200 again after PostgreSQL came back (got {string.Join(", ", statuses)})", TimeSpan.FromMilliseconds(100));
        output.WriteLine($"after PostgreSQL came back: {string.Join(", ", statuses.Select(s => (int)s))}");
        Assert.Equal(2, await central.Silo.Store.GetContiguousSequenceAsync("north"));

        // A restart between two requests leaves the pool's idle connections dead: at worst a 503, never a 500.
        await server.RestartAsync();
        var restarted = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => api.GetAsync("/v1/conflicts")).Concat([UploadAsync(edge, ++seq)]));
        output.WriteLine($"straight after a restart: {string.Join(", ", restarted.Select(r => (int)r.StatusCode))}");
        Assert.All(restarted, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, $"after a restart: {r.StatusCode}"));
    }

    private static HttpClient Client(Uri address, string token)
    {
        var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static Task<HttpResponseMessage> UploadAsync(HttpClient edge, long seq)
    {
        var at = DateTimeOffset.UtcNow;
        var json = System.Text.Json.JsonSerializer.Serialize(
            new JournalBatchWire("north", [new JournalEntryWire(seq, at.ToUnixTimeMilliseconds() << 16, at, at, "g1", null, null, "entry", "unknown_ticket", $"n{seq}")]),
            SyncJsonContext.Default.JournalBatchWire);
        return edge.PostAsync("/v1/sync/journal", new StringContent(json, Encoding.UTF8, "application/json"));
    }
}
