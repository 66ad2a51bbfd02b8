using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Venue.Domain.CheckIn;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Simulation;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Tests;

/// <summary>The real <c>venue edge</c> process killed with SIGKILL in the middle of a burst of scans.</summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output)
{
    private const int Attendees = 1000;
    private const int InFlight = 32;
    private const int KillAfterAdmissions = 150;

    [Fact]
    public async Task Every_scan_answered_admitted_before_a_SIGKILL_is_journaled_and_that_attendee_stays_inside_after_restart()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output)
            || !Requirement.Met(!OperatingSystem.IsWindows(), "POSIX signals (SIGKILL)", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        using var key = TicketSigningKey.Create("k1");
        var generated = EventGenerator.Generate(new EventSpec("crash", Attendees, 8, Seed: 11, DateTimeOffset.UtcNow.AddHours(-2)), key);
        var ledgerPath = directory.File("ledger.jsonl");
        await EventGenerator.WriteLedgerAsync(generated, ledgerPath);
        var dataDirectory = directory.File("edge");
        var config = await WriteConfigAsync(directory, generated, ledgerPath, dataDirectory);

        var added = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(30), "edge", "devices", "add", "--config", config, "--name", "north lane 1");
        Assert.True(added.ExitCode == 0, added.ToString());
        var deviceToken = added.DeviceToken;

        // Each badge presented twice at once at two different gates, so the burst also races duplicates.
        var openGates = generated.Gates.Where(g => g.AllowedTicketTypes is null).Select(g => g.Id).ToList();
        var badges = generated.Badges.Where(b => b.Status == AttendeeStatus.Active && b.ValidToday).ToList();
        var plan = badges.SelectMany((b, i) => new[] { (Gate: openGates[i % openGates.Count], Badge: b), (Gate: openGates[(i + 1) % openGates.Count], Badge: b) }).ToList();

        var admitted = new ConcurrentBag<(string Gate, string Nonce, string AttendeeId, string Body)>();
        var unexpected = new ConcurrentBag<string>();
        var failed = 0;
        var admittedCount = 0;
        var killTime = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = await SiloProcess.StartEdgeAsync(config, directory.Path, TimeSpan.FromSeconds(30));
        await using (first)
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = InFlight }) { BaseAddress = first.Address, Timeout = TimeSpan.FromSeconds(30) };
            var scanner = new ScannerClient(http, deviceToken);
            var next = -1;
            async Task Drive()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < plan.Count)
                {
                    var (gate, badge) = plan[i];
                    var nonce = $"{badge.AttendeeId}@{gate}";
                    try
                    {
                        var answer = await scanner.ScanAsync(gate, badge.Token, nonce: nonce);
                        if (answer.Status != HttpStatusCode.OK)
                        {
                            unexpected.Add(answer.ToString());
                        }
                        else if (answer.Result == "admitted")
                        {
                            admitted.Add((gate, nonce, badge.AttendeeId, answer.Body));
                            if (Interlocked.Increment(ref admittedCount) == KillAfterAdmissions)
                            {
                                killTime.TrySetResult();
                            }
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // The edge died under this request: no answer, so no promise was made.
                        Interlocked.Increment(ref failed);
                    }
                }
            }

            var drivers = Enumerable.Range(0, InFlight).Select(_ => Task.Run(Drive)).ToList();
            await killTime.Task.Within(TimeSpan.FromSeconds(60), $"{KillAfterAdmissions} scans answered 'admitted'");
            await first.KillAsync();
            await Task.WhenAll(drivers).Within(TimeSpan.FromSeconds(60), "the scanners to notice the edge is gone");
            Assert.Equal(137, first.ExitCode); // 128 + SIGKILL: no shutdown code ran.
        }

        output.WriteLine($"{admitted.Count} scans answered 'admitted' before the kill, {failed} scans got no answer, {plan.Count} planned.");
        Assert.Empty(unexpected);
        Assert.True(failed > 0, "the kill should land while scans were still in flight");
        Assert.InRange(admitted.Count, KillAfterAdmissions, badges.Count);

        await using var second = await SiloProcess.StartEdgeAsync(config, directory.Path, TimeSpan.FromSeconds(30));
        using var http2 = new HttpClient { BaseAddress = second.Address, Timeout = TimeSpan.FromSeconds(30) };
        var scanner2 = new ScannerClient(http2, deviceToken);

        var journal = SqliteCheckInJournal.ReadAll(Path.Combine(dataDirectory, "journal.db")).ToList();
        var admissions = journal.Where(e => e.Reason == ScanReason.Admitted).ToList();
        var journaled = admissions.Select(e => (e.GateId, e.Nonce, e.AttendeeId)).ToHashSet();
        var missing = admitted.Where(a => !journaled.Contains((a.Gate, a.Nonce, a.AttendeeId))).ToList();
        Assert.True(missing.Count == 0, $"answered 'admitted' but not journaled: {string.Join(", ", missing.Select(m => m.Nonce))}");
        var twice = admissions.GroupBy(e => e.AttendeeId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(twice.Count == 0, $"admitted twice: {string.Join(", ", twice)}");

        var rescans = new ConcurrentBag<(string AttendeeId, HttpAnswer Answer)>();
        var retries = new ConcurrentBag<(string Expected, HttpAnswer Answer)>();
        await Parallel.ForEachAsync(admitted, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (a, ct) =>
        {
            var token = badges.First(b => b.AttendeeId == a.AttendeeId).Token;
            rescans.Add((a.AttendeeId, await scanner2.ScanAsync(openGates[0], token, cancellationToken: ct)));
            retries.Add((a.Body, await scanner2.ScanAsync(a.Gate, token, nonce: a.Nonce, cancellationToken: ct)));
        });

        Assert.All(rescans, r => Assert.Equal(("refused", "already_inside", r.AttendeeId), (r.Answer.Result, r.Answer.Reason, r.Answer.AttendeeId)));
        Assert.All(retries, r => Assert.Equal(r.Expected, r.Answer.Body));
    }

    private static async Task<string> WriteConfigAsync(TempDirectory directory, GeneratedEvent generated, string ledgerPath, string dataDirectory)
    {
        var config = new
        {
            Edge = new
            {
                EdgeId = "crash-edge",
                DataDirectory = dataDirectory,
                LedgerPath = ledgerPath,
                ScansPerSecondPerDevice = 1_000_000,
                Gates = generated.Gates.Select(g => new { g.Id, g.Name, g.Zone, g.AllowedTicketTypes }),
            },
            Logging = new { LogLevel = new Dictionary<string, string> { ["Default"] = "Warning", ["Microsoft.Hosting.Lifetime"] = "Information" } },
        };
        var path = directory.File("edge.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull }));
        return path;
    }
}
