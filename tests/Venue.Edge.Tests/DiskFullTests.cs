using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Venue.Domain.CheckIn;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Simulation;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Tests;

/// <summary>
/// The real <c>venue edge</c> process with its data directory on a 2 MB tmpfs that fills up
/// mid-morning (ENOSPC), as a log file or a forgotten copy would fill an edge's disk. Mounting needs
/// root: skipped elsewhere, required on CI (which runs as root).
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task On_a_full_disk_scans_get_503_healthz_503_and_one_log_line_saying_what_to_do_then_the_edge_recovers_by_itself_when_space_returns()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output)
            || !Requirement.Met(OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess, "root on Linux (to mount a small tmpfs)", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var disk = Directory.CreateDirectory(directory.File("disk")).FullName;
        var mounted = await RunAsync("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", disk);
        if (!Requirement.Met(mounted.ExitCode == 0, $"mounting a tmpfs ({mounted.Error.Trim()})", output))
        {
            return;
        }

        try
        {
            await RunOnFullDiskAsync(directory, Path.Combine(disk, "edge"), Path.Combine(disk, "filler"));
        }
        finally
        {
            await RunAsync("umount", "-l", disk);
        }
    }

    private async Task RunOnFullDiskAsync(TempDirectory directory, string data, string filler)
    {
        using var key = TicketSigningKey.Create("k1");
        var generated = EventGenerator.Generate(new EventSpec("full", 600, 2, Seed: 5, DateTimeOffset.UtcNow.AddHours(-2)), key);
        var ledger = directory.File("ledger.jsonl");
        await EventGenerator.WriteLedgerAsync(generated, ledger);
        var config = directory.File("edge.json");
        await File.WriteAllTextAsync(config, JsonSerializer.Serialize(new
        {
            Edge = new
            {
                EdgeId = "full-edge",
                DataDirectory = data,
                LedgerPath = ledger,
                ScansPerSecondPerDevice = 100_000,
                Gates = generated.Gates.Select(g => new { g.Id, g.Name }),
            },
            Logging = new { LogLevel = new Dictionary<string, string> { ["Default"] = "Warning", ["Microsoft.Hosting.Lifetime"] = "Information" } },
        }));
        var added = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "add", "--config", config, "--name", "lane 1");
        Assert.True(added.ExitCode == 0, added.ToString());
        var deviceToken = added.DeviceToken;
        var gate = generated.Gates.First(g => g.AllowedTicketTypes is null).Id;
        var badges = generated.Badges.Where(b => b.Status == AttendeeStatus.Active && b.ValidToday).ToList();

        var edge = await SiloProcess.StartEdgeAsync(config, directory.Path, Quick);
        var admitted = new List<string>();
        await using (edge)
        {
            using var http = new HttpClient { BaseAddress = edge.Address, Timeout = Quick };
            var scanner = new ScannerClient(http, deviceToken);
            Assert.Equal("admitted", (await scanner.ScanAsync(gate, badges[0].Token, nonce: "n0")).Result);
            admitted.Add("n0");

            FillUp(filler);
            // The WAL has some room left in its last pages: scan on until a commit needs more.
            HttpAnswer? refused = null;
            var refusedAt = 0;
            for (var i = 1; i < badges.Count && refused is null; i++)
            {
                var answer = await scanner.ScanAsync(gate, badges[i].Token, nonce: $"n{i}");
                if (answer.Status == HttpStatusCode.OK)
                {
                    Assert.Equal("admitted", answer.Result);
                    admitted.Add($"n{i}");
                }
                else
                {
                    (refused, refusedAt) = (answer, i);
                }
            }

            Assert.True(refused is not null, $"no scan was refused after {badges.Count} scans on a full disk");
            output.WriteLine($"{admitted.Count} scans admitted, the next refused: {refused}");
            Assert.True(refused.Status == HttpStatusCode.ServiceUnavailable && refused.MediaType == "application/problem+json", refused.ToString());
            Assert.Equal("The journal is unavailable", refused.Json.GetProperty("title").GetString());
            Assert.Contains("disk is full", refused.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
            var health = await http.GetAsync("/healthz");
            var healthBody = await health.Content.ReadAsStringAsync();
            Assert.True(health.StatusCode == HttpStatusCode.ServiceUnavailable, $"/healthz on a full disk: {(int)health.StatusCode} {healthBody}");
            Assert.Contains("\"journal_unavailable\"", healthBody, StringComparison.Ordinal);
            await Eventually.UntilAsync(() => Task.FromResult(edge.Output.Contains("Free space on the disk", StringComparison.Ordinal)), Quick,
                () => $"the edge to log what to do about the full disk; it printed:\n{edge.Output}");
            Assert.Contains(Path.Combine(data, "journal.db"), edge.Output, StringComparison.Ordinal);

            File.Delete(filler);
            var retried = await scanner.ScanAsync(gate, badges[refusedAt].Token, nonce: $"n{refusedAt}");

            Assert.True(retried.Result == "admitted", retried.ToString());
            admitted.Add($"n{refusedAt}");
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
            await Eventually.UntilAsync(() => Task.FromResult(edge.Output.Contains("commits again", StringComparison.Ordinal)), Quick,
                () => $"the edge to log that the journal commits again; it printed:\n{edge.Output}");
            await edge.TerminateAsync(Quick);
            Assert.True(edge.ExitCode == 0, $"exit {edge.ExitCode}\n{edge.Output}");
        }

        // Every scan answered 'admitted' is on disk, once; no refused one is.
        var journal = SqliteCheckInJournal.ReadAll(Path.Combine(data, "journal.db")).ToList();
        Assert.Equal(admitted.Order(StringComparer.Ordinal), journal.Where(e => e.Reason == ScanReason.Admitted).Select(e => e.Nonce).Order(StringComparer.Ordinal));
        Assert.Equal(admitted.Count, journal.Count);
    }

    /// <summary>Writes until the file system says it is full.</summary>
    private static void FillUp(string path)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1);
        var block = new byte[4096];
        try
        {
            while (true)
            {
                file.Write(block);
            }
        }
        catch (IOException)
        {
            // ENOSPC: full.
        }
    }

    private static async Task<(int ExitCode, string Error)> RunAsync(string command, params string[] arguments)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().Within(Quick, $"'{command}' to exit");
        return (process.ExitCode, await error);
    }
}
