using System.Diagnostics;
using Microsoft.Data.Sqlite;
using Venue.Domain.CheckIn;
using Venue.Domain.Journal;
using Venue.Storage.Sqlite;

namespace Venue.Edge.Tests;

/// <summary>
/// <c>venue edge</c> started on a data directory it cannot use: a journal damaged or emptied by a
/// bad copy, a read-only disk. It exits 2 with one line naming the file and what to do, and leaves
/// the evidence as it found it.
/// </summary>
public sealed class DamagedDataDirectoryTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset At = DateTimeOffset.UtcNow;

    [Fact]
    public async Task An_edge_whose_journal_is_damaged_mid_file_exits_2_naming_it_and_what_to_do_and_leaves_it_byte_for_byte()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var (config, data) = await StandaloneEdgeConfig.WriteAsync(directory, "north");
        var journal = Path.Combine(data, "journal.db");
        await WriteJournalAsync(journal, 3000);
        // A leaf page well inside the table: opening reads neither it nor the last entries' path, the replay reaches it.
        using (var file = new FileStream(journal, FileMode.Open, FileAccess.Write))
        {
            file.Position = (4096 * 10) + 8;
            var garbage = new byte[4000];
            new Random(3).NextBytes(garbage);
            file.Write(garbage);
        }

        var before = await File.ReadAllBytesAsync(journal);

        var run = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "--config", config, "--urls", $"http://127.0.0.1:{VenueExecutable.FreePort()}");

        Assert.True(run.ExitCode == 2, run.ToString());
        var error = OneLine(run);
        Assert.Contains(journal, error, StringComparison.Ordinal);
        Assert.Contains("malformed", error, StringComparison.Ordinal);
        Assert.Contains("left as it was found", error, StringComparison.Ordinal);
        Assert.Contains("restore journal.db", error, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(journal));
    }

    [Fact]
    public async Task An_edge_whose_journal_was_emptied_beside_its_write_ahead_log_exits_2_and_keeps_the_log()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var (config, data) = await StandaloneEdgeConfig.WriteAsync(directory, "north");
        var journal = Path.Combine(data, "journal.db");
        var log = await WriteJournalAsync(journal, 20);
        await File.WriteAllBytesAsync(journal, []);
        await File.WriteAllBytesAsync(journal + "-wal", log);

        var run = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "--config", config, "--urls", $"http://127.0.0.1:{VenueExecutable.FreePort()}");

        Assert.True(run.ExitCode == 2, run.ToString());
        var error = OneLine(run);
        Assert.Contains(journal, error, StringComparison.Ordinal);
        Assert.Contains("is empty (0 bytes), but its write-ahead log", error, StringComparison.Ordinal);
        Assert.Equal(log, await File.ReadAllBytesAsync(journal + "-wal"));
        Assert.Equal(0, new FileInfo(journal).Length);
    }

    [Fact]
    public async Task An_edge_whose_data_directory_is_on_a_read_only_disk_exits_2_naming_it_and_saying_to_make_it_writable()
    {
        if (!VenueBuilt() || !Requirement.Met(OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess, "root on Linux (to mount a read-only tmpfs)", output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var (config, data) = await StandaloneEdgeConfig.WriteAsync(directory, "north");
        Directory.CreateDirectory(data);
        var mounted = await RunAsync("mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", data);
        if (!Requirement.Met(mounted == 0, "mounting a read-only tmpfs", output))
        {
            return;
        }

        try
        {
            var run = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "--config", config, "--urls", $"http://127.0.0.1:{VenueExecutable.FreePort()}");

            Assert.True(run.ExitCode == 2, run.ToString());
            var error = OneLine(run);
            Assert.Contains($"Edge data directory {data} cannot be written", error, StringComparison.Ordinal);
            Assert.Contains("Make it writable", error, StringComparison.Ordinal);
        }
        finally
        {
            await RunAsync("umount", "-l", data);
        }
    }

    private bool VenueBuilt() => Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output);

    /// <summary>The command's last words: one line on stderr, no stack trace.</summary>
    private static string OneLine(ProcessResult run)
    {
        var lines = run.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var line = Assert.Single(lines, l => l.StartsWith("venue: ", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", run.StandardError, StringComparison.Ordinal);
        return line;
    }

    /// <summary>
    /// Writes <paramref name="entries"/> admissions to a new journal of event 'north' (the event of
    /// <see cref="StandaloneEdgeConfig"/>'s ledger); returns its write-ahead log as it was before the journal closed.
    /// </summary>
    private static async Task<byte[]> WriteJournalAsync(string path, int entries)
    {
        byte[] log;
        using (var journal = SqliteCheckInJournal.Open(path, TimeProvider.System, eventId: "north"))
        {
            await Task.WhenAll(Enumerable.Range(1, entries).Select(i =>
                journal.AppendAsync(new JournalEntry("G01", $"A-{i}", ScanDirection.Entry, ScanReason.Admitted, $"n{i}", At, At)))).Within(Quick, $"{entries} appends");
            log = await File.ReadAllBytesAsync(path + "-wal");
        }

        SqliteConnection.ClearAllPools();
        return log;
    }

    private static async Task<int> RunAsync(string command, params string[] arguments)
    {
        var info = new ProcessStartInfo(command) { UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info)!;
        await process.WaitForExitAsync().Within(Quick, $"'{command}' to exit");
        return process.ExitCode;
    }
}
