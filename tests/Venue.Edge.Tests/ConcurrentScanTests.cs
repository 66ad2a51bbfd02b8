using System.Net;
using Venue.Domain.CheckIn;
using Venue.Domain.Devices;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Simulation;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Tests;

/// <summary>One badge presented at many gates at the same instant, through the simulator's edge host.</summary>
public sealed class ConcurrentScanTests(ITestOutputHelper output)
{
    private const int Gates = 8;
    private const int ScansPerBadge = 64;

    [Fact]
    public async Task Sixty_four_concurrent_scans_of_one_badge_across_eight_gates_admit_exactly_once()
    {
        using var directory = new TempDirectory();
        using var key = TicketSigningKey.Create("k1");
        var generated = EventGenerator.Generate(new EventSpec("race", 300, Gates, Seed: 7, DateTimeOffset.UtcNow.AddHours(-2)), key);
        var ledgerPath = directory.File("ledger.jsonl");
        await EventGenerator.WriteLedgerAsync(generated, ledgerPath);
        var dataDirectory = directory.File("edge");

        // One scanner per gate, registered before the edge starts (as 'venue edge devices add' does).
        var store = new SqliteDeviceCredentialStore(Path.Combine(dataDirectory, "devices.db"), TimeProvider.System);
        var scanners = new Dictionary<string, string>();
        foreach (var gate in generated.Gates)
        {
            scanners[gate.Id] = (await store.CreateAsync($"scanner {gate.Id}", DeviceRole.Scanner)).Token;
        }

        // Badges every gate accepts (the staff entrance takes vip, exhibitor and press), valid now.
        var contested = generated.Badges
            .Where(b => b.Status == AttendeeStatus.Active && b.ValidToday && EventGenerator.StaffTicketTypes.Contains(b.TicketType))
            .Take(3)
            .ToList();
        Assert.Equal(3, contested.Count);

        var answers = new List<(string Badge, HttpAnswer Answer)>();
        await using (var edge = await EdgeWebHost.StartAsync("race-edge", dataDirectory, ledgerPath, generated.Gates, scansPerSecondPerDevice: 100_000))
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = ScansPerBadge }) { BaseAddress = edge.Address };
            var clients = generated.Gates.Select(g => (Gate: g.Id, Client: new ScannerClient(http, scanners[g.Id]))).ToList();

            // Open the connections (and warm the credential cache) first, so the race is about scans, not TCP handshakes.
            await Task.WhenAll(Enumerable.Range(0, ScansPerBadge).Select(i => clients[i % Gates].Client.GetAsync($"/v1/gates/{clients[i % Gates].Gate}")));

            foreach (var badge in contested)
            {
                using var ready = new CountdownEvent(ScansPerBadge);
                var go = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                var scans = Enumerable.Range(0, ScansPerBadge).Select(async i =>
                {
                    var (gate, client) = clients[i % Gates];
                    var body = ScannerClient.ScanJson(badge.Token, "entry", $"{badge.AttendeeId}-{i}");
                    ready.Signal();
                    await go.Task;
                    return await client.PostAsync($"/v1/gates/{gate}/scans", body);
                }).ToList();
                Assert.True(ready.Wait(TimeSpan.FromSeconds(10)), "all 64 scanners should be ready behind the barrier");
                go.SetResult();
                foreach (var answer in await Task.WhenAll(scans).Within(TimeSpan.FromSeconds(30), $"64 concurrent scans of {badge.AttendeeId}"))
                {
                    answers.Add((badge.AttendeeId, answer));
                }
            }
        }

        foreach (var badge in contested)
        {
            var mine = answers.Where(a => a.Badge == badge.AttendeeId).Select(a => a.Answer).ToList();
            Assert.All(mine, a => Assert.Equal(HttpStatusCode.OK, a.Status));
            Assert.Single(mine, a => a.Result == "admitted");
            Assert.Equal(ScansPerBadge - 1, mine.Count(a => a.Result == "refused" && a.Reason == "already_inside"));
            Assert.Equal(Gates, mine.Select(a => a.Json.GetProperty("gateId").GetString()).Distinct().Count());
        }

        // The host has stopped: read what is on disk.
        var journal = SqliteCheckInJournal.ReadAll(Path.Combine(dataDirectory, "journal.db")).ToList();
        output.WriteLine($"{journal.Count} journal entries");
        foreach (var badge in contested)
        {
            var entries = journal.Where(e => e.AttendeeId == badge.AttendeeId).ToList();
            Assert.Equal(ScansPerBadge, entries.Count);
            var admission = Assert.Single(entries, e => e.Reason == ScanReason.Admitted);
            var admitted = answers.Single(a => a.Badge == badge.AttendeeId && a.Answer.Result == "admitted").Answer.Json;
            Assert.Equal((admitted.GetProperty("gateId").GetString(), admitted.GetProperty("nonce").GetString()), (admission.GateId, admission.Nonce));
            Assert.Equal(ScansPerBadge - 1, entries.Count(e => e.Reason == ScanReason.AlreadyInside));
        }

        Assert.Equal(contested.Count * ScansPerBadge, journal.Count);
        Assert.Equal(journal.Count, journal.Select(e => e.Sequence).Distinct().Count());
    }
}
