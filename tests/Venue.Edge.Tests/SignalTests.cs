using System.Diagnostics;
using System.Text;

namespace Venue.Edge.Tests;

/// <summary>The real <c>venue</c> process stopped with SIGTERM, as Ctrl+C, <c>docker stop</c> or systemd would.</summary>
public sealed class SignalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Simulate_sent_SIGTERM_mid_rush_stops_says_cancelled_exits_130_and_leaves_no_temporary_files()
    {
        if (!SignalsRunHere())
        {
            return;
        }

        var (exitCode, stdout, errors, temp) = await TerminateSimulateAsync("Morning rush:", "the rush under way", "--attendees", "20000", "--duration", "30", "--plain");

        Assert.True(exitCode == 130, $"exit {exitCode}\n{errors}");
        Assert.Contains("venue: cancelled.", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Verdict", stdout, StringComparison.Ordinal);
        Assert.Empty(temp);
    }

    [Fact]
    public async Task Simulate_sent_SIGTERM_while_generating_attendees_says_cancelled_and_exits_130()
    {
        if (!SignalsRunHere())
        {
            return;
        }

        // Signing 500,000 badges takes tens of seconds here: the signal lands while they are signed.
        var (exitCode, _, errors, temp) = await TerminateSimulateAsync("Generating 500,000 attendees", "attendees being generated", "--attendees", "500000", "--no-crowd", "--plain");

        Assert.True(exitCode == 130, $"exit {exitCode}\n{errors}");
        Assert.Contains("venue: cancelled.", errors, StringComparison.Ordinal);
        Assert.Empty(temp);
    }

    private bool SignalsRunHere() =>
        Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output)
        && Requirement.Met(!OperatingSystem.IsWindows(), "POSIX signals", output);

    /// <summary>Runs <c>venue simulate</c> until it prints <paramref name="line"/>, sends SIGTERM, and returns how it ended and what its own TMPDIR still holds.</summary>
    private async Task<(int ExitCode, string Stdout, string Stderr, IReadOnlyList<string> LeftInTemp)> TerminateSimulateAsync(string line, string awaited, params string[] arguments)
    {
        using var directory = new TempDirectory();
        var temp = Directory.CreateDirectory(directory.File("tmp")).FullName;
        var info = VenueExecutable.StartInfo(directory.Path, ["simulate", .. arguments]);
        info.Environment["TMPDIR"] = temp;
        using var process = Process.Start(info)!;
        var stdout = new StringBuilder();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }

            if (e.Data?.Contains(line, StringComparison.Ordinal) == true)
            {
                reached.TrySetResult();
            }
        };
        var stderr = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        try
        {
            await reached.Task.Within(TimeSpan.FromSeconds(90), $"simulate to report {awaited}");
            await Signals.TerminateAsync(process.Id);
            await process.WaitForExitAsync().Within(TimeSpan.FromSeconds(60), "simulate to stop after SIGTERM");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var printed = stdout.ToString();
        output.WriteLine(printed);
        return (process.ExitCode, printed, await stderr, [.. Directory.EnumerateFileSystemEntries(temp)]);
    }

    [Fact]
    public async Task An_edge_sent_SIGTERM_stops_gracefully_with_exit_0_and_starts_again_on_the_same_data()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output)
            || !Requirement.Met(!OperatingSystem.IsWindows(), "POSIX signals", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = (await StandaloneEdgeConfig.WriteAsync(directory, "signal-edge")).ConfigPath;

        var edge = await SiloProcess.StartEdgeAsync(config, directory.Path, TimeSpan.FromSeconds(30));
        await using (edge)
        {
            await edge.TerminateAsync(TimeSpan.FromSeconds(40));

            Assert.True(edge.ExitCode == 0, $"exit {edge.ExitCode}\n{edge.Output}");
            Assert.Contains("Application is shutting down", edge.Output, StringComparison.Ordinal);
        }

        await using var again = await SiloProcess.StartEdgeAsync(config, directory.Path, TimeSpan.FromSeconds(30));
        Assert.Equal("signal-edge", (await again.HealthAsync()).GetProperty("edgeId").GetString());
    }
}
