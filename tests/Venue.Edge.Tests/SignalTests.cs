using System.Diagnostics;
using System.Text;

namespace Venue.Edge.Tests;

/// <summary>The real <c>venue</c> process stopped with SIGTERM, as Ctrl+C, <c>docker stop</c> or systemd would.</summary>
public sealed class SignalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Simulate_sent_SIGTERM_mid_rush_stops_says_cancelled_exits_130_and_leaves_no_temporary_files()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output)
            || !Requirement.Met(!OperatingSystem.IsWindows(), "POSIX signals", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var temp = Directory.CreateDirectory(directory.File("tmp")).FullName;
        var info = VenueExecutable.StartInfo(directory.Path, "simulate", "--attendees", "20000", "--duration", "30", "--plain");
        info.Environment["TMPDIR"] = temp;
        using var process = Process.Start(info)!;
        var stdout = new StringBuilder();
        var rushing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            lock (stdout)
            {
                stdout.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Morning rush:", StringComparison.Ordinal) == true)
            {
                rushing.TrySetResult();
            }
        };
        var stderr = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        try
        {
            await rushing.Task.Within(TimeSpan.FromSeconds(90), "simulate to report the rush under way");

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

        var errors = await stderr;
        output.WriteLine(stdout.ToString());
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{errors}");
        Assert.Contains("venue: cancelled.", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Verdict", stdout.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
    }

    [Fact]
    public async Task Simulate_sent_SIGTERM_while_generating_attendees_says_cancelled_and_exits_130()
    {
        if (!Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output)
            || !Requirement.Met(!OperatingSystem.IsWindows(), "POSIX signals", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var temp = Directory.CreateDirectory(directory.File("tmp")).FullName;
        // Signing 500,000 badges takes tens of seconds here: the signal lands while they are signed.
        var info = VenueExecutable.StartInfo(directory.Path, "simulate", "--attendees", "500000", "--no-crowd", "--plain");
        info.Environment["TMPDIR"] = temp;
        using var process = Process.Start(info)!;
        var generating = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("Generating 500,000 attendees", StringComparison.Ordinal) == true)
            {
                generating.TrySetResult();
            }
        };
        var stderr = process.StandardError.ReadToEndAsync();
        process.BeginOutputReadLine();
        try
        {
            await generating.Task.Within(TimeSpan.FromSeconds(60), "simulate to start generating attendees");
            await Signals.TerminateAsync(process.Id);
            await process.WaitForExitAsync().Within(TimeSpan.FromSeconds(30), "simulate to stop after SIGTERM");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        var errors = await stderr;
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{errors}");
        Assert.Contains("venue: cancelled.", errors, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(temp));
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
