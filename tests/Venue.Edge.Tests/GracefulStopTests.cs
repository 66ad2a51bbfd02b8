using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Venue.Domain.CheckIn;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Simulation;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Tests;

/// <summary>The real <c>venue edge</c> process sent SIGTERM (docker stop, systemd) in the middle of a burst of scans.</summary>
public sealed class GracefulStopTests(ITestOutputHelper output)
{
    private const int InFlight = 32;
    private const int TermAfterAdmissions = 150;

    [Fact]
    public async Task An_edge_sent_SIGTERM_mid_burst_answers_what_it_took_in_journals_every_admission_and_exits_0_within_seconds()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output)
            || !Requirement.Met(!OperatingSystem.IsWindows(), "POSIX signals (SIGTERM)", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        using var key = TicketSigningKey.Create("k1");
        var generated = EventGenerator.Generate(new EventSpec("stop", 1000, 4, Seed: 12, DateTimeOffset.UtcNow.AddHours(-2)), key);
        var ledger = directory.File("ledger.jsonl");
        await EventGenerator.WriteLedgerAsync(generated, ledger);
        var data = directory.File("edge");
        var config = directory.File("edge.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Edge = new { EdgeId = "stop-edge", DataDirectory = data, LedgerPath = ledger, ScansPerSecondPerDevice = 1_000_000, Gates = generated.Gates.Select(g => new { g.Id, g.Name }) },
            Logging = new { LogLevel = new Dictionary<string, string> { ["Default"] = "Warning", ["Microsoft.Hosting.Lifetime"] = "Information" } },
        }));
        var added = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(30), "edge", "devices", "add", "--config", config, "--name", "lane 1");
        Assert.True(added.ExitCode == 0, added.ToString());
        var deviceToken = added.DeviceToken;
        var gates = generated.Gates.Select(g => g.Id).ToList();
        var badges = generated.Badges.Where(b => b.Status == AttendeeStatus.Active && b.ValidToday).ToList();

        var admitted = new ConcurrentBag<string>();
        var unexpected = new ConcurrentBag<string>();
        var unanswered = 0;
        var admittedCount = 0;
        var termTime = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var edge = await SiloProcess.StartEdgeAsync(config, directory.Path, TimeSpan.FromSeconds(30));
        await using (edge)
        {
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = InFlight }) { BaseAddress = edge.Address, Timeout = TimeSpan.FromSeconds(30) };
            var scanner = new ScannerClient(http, deviceToken);
            var next = -1;
            async Task Drive()
            {
                int i;
                while ((i = Interlocked.Increment(ref next)) < badges.Count)
                {
                    var nonce = $"n{i}";
                    try
                    {
                        var answer = await scanner.ScanAsync(gates[i % gates.Count], badges[i].Token, nonce: nonce);
                        if (answer.Status != HttpStatusCode.OK)
                        {
                            unexpected.Add(answer.ToString());
                        }
                        else if (answer.Result == "admitted")
                        {
                            admitted.Add(nonce);
                            if (Interlocked.Increment(ref admittedCount) == TermAfterAdmissions)
                            {
                                termTime.TrySetResult();
                            }
                        }
                    }
                    catch (HttpRequestException)
                    {
                        // Refused once the edge stopped listening: no answer, so no promise.
                        Interlocked.Increment(ref unanswered);
                    }
                }
            }

            var drivers = Enumerable.Range(0, InFlight).Select(_ => Task.Run(Drive)).ToList();
            await termTime.Task.Within(TimeSpan.FromSeconds(60), $"{TermAfterAdmissions} scans answered 'admitted'");
            var stopping = Stopwatch.StartNew();
            await edge.TerminateAsync(TimeSpan.FromSeconds(40));
            output.WriteLine($"stopped in {stopping.ElapsedMilliseconds} ms; {admitted.Count} admitted, {unanswered} unanswered");
            await Task.WhenAll(drivers).Within(TimeSpan.FromSeconds(60), "the scanners to notice the edge is gone");

            Assert.True(edge.ExitCode == 0, $"exit {edge.ExitCode}\n{edge.Output}");
        }

        // Scans the edge took in before it stopped listening were answered, and none of them with an error.
        Assert.Empty(unexpected);
        var journal = SqliteCheckInJournal.ReadAll(Path.Combine(data, "journal.db")).ToList();
        var journaled = journal.Where(e => e.Reason == ScanReason.Admitted).Select(e => e.Nonce).ToHashSet(StringComparer.Ordinal);
        var lost = admitted.Where(n => !journaled.Contains(n)).ToList();
        Assert.True(lost.Count == 0, $"answered 'admitted' but not journaled: {string.Join(", ", lost)}");
        Assert.Equal(admitted.Count, journaled.Count);
    }
}
