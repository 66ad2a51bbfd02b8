using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Venue.Domain.Ledger;
using Venue.Domain.Tickets;
using Venue.Simulation;

namespace Venue.Edge.Tests;

/// <summary>The <c>venue</c> executable as an operator runs it: exit codes, files and messages.</summary>
public sealed class CliTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);

    private bool VenueBuilt() => Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output);

    /// <summary>A user error: non-zero exit, exactly one line on stderr that says what is wrong, no stack trace.</summary>
    private static void AssertOneLineError(ProcessResult result, string mentions)
    {
        Assert.True(result.ExitCode != 0, result.ToString());
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr:\n{result}");
        Assert.Contains(mentions, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_runs_a_small_rush_exits_0_and_reports_every_check_passed()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var report = directory.File("report.json");

        // A color terminal's environment, with the output going to a pipe (as `venue simulate | tee` in one).
        var colorTerminal = new Dictionary<string, string> { ["TERM"] = "xterm-256color", ["COLORTERM"] = "truecolor", ["NO_COLOR"] = "" };
        var result = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(90), colorTerminal,
            "simulate", "--attendees", "1500", "--gates", "8", "--duration", "2", "--plain", "--report-json", report);

        output.WriteLine(result.StandardOutput);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
        var root = json.RootElement;
        Assert.Equal(1500, root.GetProperty("attendees").GetInt32());
        Assert.Equal(8, root.GetProperty("gates").GetInt32());
        Assert.True(root.GetProperty("admitted").GetInt32() > 0, root.ToString());
        Assert.True(root.GetProperty("passed").GetBoolean(), root.ToString());
        var checks = root.GetProperty("checks").EnumerateArray().ToList();
        Assert.NotEmpty(checks);
        // A two-second rush is too short for a badge admitted at both edges during the partition: that check has nothing to judge.
        Assert.All(checks, c => Assert.True(c.GetProperty("passed").GetBoolean() || !c.GetProperty("exercised").GetBoolean(), c.ToString()));
        Assert.Contains(checks, c => c.GetProperty("passed").GetBoolean());
        Assert.Contains("PASS", result.StandardOutput, StringComparison.Ordinal);

        // By default: central and two edges, north cut off mid-rush and healed, and central holding every journal entry.
        var sync = root.GetProperty("sync");
        var edges = sync.GetProperty("edges").EnumerateArray().ToList();
        Assert.Equal(["north", "south"], edges.Select(e => e.GetProperty("edgeId").GetString()));
        Assert.All(edges, e => Assert.Equal(e.GetProperty("journalEntries").GetInt64(), e.GetProperty("heldAtCentral").GetInt64()));
        var partition = sync.GetProperty("partition");
        Assert.Equal("north", partition.GetProperty("edgeId").GetString());
        Assert.True(partition.GetProperty("entriesBuffered").GetInt64() > 0, partition.ToString());
        Assert.Equal(sync.GetProperty("plannedConflicts").GetInt32(), sync.GetProperty("conflicts").GetInt64());
        Assert.Contains("cut off from central", result.StandardOutput, StringComparison.Ordinal);

        // Output to a pipe is plain text: no color or cursor escapes in a CI log or a file.
        Assert.DoesNotContain('\u001b', result.StandardOutput);

        // Every planned scan, twins at a second gate included, is sent, and the progress line counts them alike.
        var rushOver = Regex.Match(result.StandardOutput, @"Rush over: ([\d,.]+)/([\d,.]+) scans sent");
        Assert.True(rushOver.Success, result.StandardOutput);
        static int Count(Group g) => int.Parse(Regex.Replace(g.Value, @"\D", ""), CultureInfo.InvariantCulture);
        Assert.Equal(Count(rushOver.Groups[2]), Count(rushOver.Groups[1]));
        Assert.Equal(root.GetProperty("scansSent").GetInt32(), Count(rushOver.Groups[1]));
    }

    [Fact]
    public async Task Simulate_with_one_edge_and_no_partition_runs_against_central_and_passes()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var report = directory.File("report.json");

        var result = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(90),
            "simulate", "--attendees", "800", "--gates", "4", "--duration", "2", "--edges", "1", "--no-partition", "--plain", "--report-json", report);

        output.WriteLine(result.StandardOutput);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(report));
        var sync = json.RootElement.GetProperty("sync");
        Assert.True(json.RootElement.GetProperty("passed").GetBoolean(), json.RootElement.ToString());
        Assert.Equal(["north"], sync.GetProperty("edges").EnumerateArray().Select(e => e.GetProperty("edgeId").GetString()));
        Assert.Equal(JsonValueKind.Null, sync.GetProperty("partition").ValueKind);
        Assert.Equal(0, sync.GetProperty("conflicts").GetInt64());
    }

    [Theory]
    [InlineData("--attendees", "-5", "--attendees")]
    [InlineData("--attendees", "5", "--attendees")]
    [InlineData("--attendees", "1000000", "--no-crowd")]
    [InlineData("--gates", "1", "--gates")]
    [InlineData("--duration", "0", "--duration")]
    [InlineData("--duration", "1e12", "--duration")]
    [InlineData("--duration", "NaN", "--duration")]
    [InlineData("--duration", "Infinity", "--duration")]
    [InlineData("--wander", "1e12", "--wander")]
    [InlineData("--wander", "-1e12", "--wander")]
    [InlineData("--wander", "NaN", "--wander")]
    [InlineData("--attendees", "many", "many")]
    [InlineData("--edges", "0", "--edges")]
    [InlineData("--edges", "5", "--edges")]
    public async Task Simulate_with_a_bad_option_exits_non_zero_with_a_one_line_message(string option, string value, string mentions)
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "simulate", option, value, "--plain");

        AssertOneLineError(result, mentions);
        // A value refused, or one the parser could not read: 2, as the README says (1 would read as a failed verdict).
        Assert.Equal(2, result.ExitCode);

        Assert.DoesNotContain("Generating", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("missing/report.json", "does not exist")]
    [InlineData(".", "is a directory")]
    [InlineData("/proc/venue-report.json", "cannot be written")]
    public async Task Simulate_refuses_a_report_json_it_could_not_write_in_one_line_before_the_run_starts(string report, string mentions)
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "simulate", "--report-json", report, "--plain");

        AssertOneLineError(result, mentions);
        Assert.Contains("--report-json", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain("Generating", result.StandardOutput, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory.File("missing")), "the missing directory stays missing");
    }

    [Fact]
    public async Task Keys_create_writes_a_private_and_a_public_PEM_and_refuses_to_overwrite_them()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var keys = directory.File("keys");

        var created = await VenueExecutable.RunAsync(directory.Path, Quick, "keys", "create", "--kid", "k2030", "--out", keys);

        Assert.True(created.ExitCode == 0, created.ToString());
        var privatePem = await File.ReadAllTextAsync(Path.Combine(keys, "k2030.private.pem"));
        var publicPem = await File.ReadAllTextAsync(Path.Combine(keys, "k2030.public.pem"));
        Assert.Contains("-----BEGIN PRIVATE KEY-----", privatePem, StringComparison.Ordinal);
        Assert.Contains("-----BEGIN PUBLIC KEY-----", publicPem, StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(keys, "k2030.private.pem")));
        }

        // The pair belongs together: what the private half signs, the public half verifies.
        using var signer = TicketSigningKey.FromPrivatePem("k2030", privatePem);
        var ring = new TicketKeyRing();
        ring.AddPem("k2030", publicPem);
        Assert.True(BadgeToken.TryDecode(signer.Issue(new BadgeClaims("k2030", "e", "A1", "general", 0, 0)), out var badge, out _));
        Assert.Equal(SignatureCheck.Valid, ring.Verify(badge));

        var again = await VenueExecutable.RunAsync(directory.Path, Quick, "keys", "create", "--kid", "k2030", "--out", keys);

        AssertOneLineError(again, "already exists");
        Assert.Equal(privatePem, await File.ReadAllTextAsync(Path.Combine(keys, "k2030.private.pem")));
        Assert.Equal(publicPem, await File.ReadAllTextAsync(Path.Combine(keys, "k2030.public.pem")));
    }

    [Fact]
    public async Task Keys_create_leaves_no_half_pair_when_the_public_half_cannot_be_written()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var keys = directory.File("keys");
        Directory.CreateDirectory(Path.Combine(keys, "k9.public.pem")); // in the way: not a file

        var failed = await VenueExecutable.RunAsync(directory.Path, Quick, "keys", "create", "--kid", "k9", "--out", keys);

        AssertOneLineError(failed, "k9.public.pem");
        Assert.False(File.Exists(Path.Combine(keys, "k9.private.pem")), "the private half is removed again");
        Directory.Delete(Path.Combine(keys, "k9.public.pem"));
        Assert.Equal(0, (await VenueExecutable.RunAsync(directory.Path, Quick, "keys", "create", "--kid", "k9", "--out", keys)).ExitCode);
    }

    /// <summary>Writes edge north's config with one gate and its data in <c>{directory}/edge</c>; returns its path.</summary>
    private static async Task<string> OneGateConfigAsync(TempDirectory directory)
    {
        var config = directory.File("edge.json");
        await File.WriteAllTextAsync(config, $$"""{ "Edge": { "EdgeId": "north", "DataDirectory": {{JsonSerializer.Serialize(directory.File("edge"))}}, "Gates": [ { "Id": "G01", "Name": "Gate 1" } ] } }""");
        return config;
    }

    [Fact]
    public async Task Edge_devices_refuses_a_role_the_edge_never_authorizes_and_a_broken_devices_db_is_one_line()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var data = directory.File("edge");
        var config = await OneGateConfigAsync(directory);

        var wrongRole = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "add", "--config", config, "--name", "x", "--role", "edge");
        Directory.CreateDirectory(data);
        await File.WriteAllTextAsync(Path.Combine(data, "devices.db"), "this is not a database, but a file someone copied over it");
        var broken = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "list", "--config", config);

        Assert.True(wrongRole.ExitCode != 0, wrongRole.ToString());
        Assert.Contains("the roles are scanner, reader, ops", wrongRole.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("vdt_", wrongRole.StandardOutput, StringComparison.Ordinal);
        AssertOneLineError(broken, "database");
    }

    [Fact]
    public async Task Edge_devices_add_of_a_name_with_control_characters_or_into_a_directory_exits_2_and_registers_nothing()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await OneGateConfigAsync(directory);
        Directory.CreateDirectory(directory.File("tokens"));

        // 'devices list' prints names as they are: an escape sequence would repaint the operator's terminal.
        var escape = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "add", "--config", config, "--name", "lane\u001b[31m 1");
        var intoDirectory = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "add", "--config", config, "--name", "lane 2",
            "--token-file", directory.File("tokens"));
        var listed = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "list", "--config", config);

        AssertOneLineError(escape, "--name must not hold control characters");
        AssertOneLineError(intoDirectory, "is a directory");
        Assert.Equal((2, 2), (escape.ExitCode, intoDirectory.ExitCode));
        Assert.True(listed.ExitCode == 0, listed.ToString());
        // Nothing registered, so not even the devices database was made (a mistyped data directory is not created either).
        Assert.Contains("No device is registered on this edge", listed.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(directory.Path, "*.new"));
    }

    [Fact]
    public async Task Edge_devices_add_with_a_role_the_edge_never_authorizes_exits_2_in_one_line_and_adds_nothing()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await OneGateConfigAsync(directory);

        var wrongRole = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "add", "--config", config, "--name", "intruder", "--role", "edge");
        var listed = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "list", "--config", config);

        AssertOneLineError(wrongRole, "--role edge is not used here; the roles are scanner, reader, ops");
        Assert.Equal(2, wrongRole.ExitCode);
        Assert.DoesNotContain("Usage:", wrongRole.StandardOutput + wrongRole.StandardError, StringComparison.Ordinal);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.DoesNotContain("intruder", listed.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edge_devices_add_of_a_booth_app_as_anything_but_a_scanner_exits_2_in_one_line_and_adds_nothing()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = await OneGateConfigAsync(directory);

        var asOps = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "add", "--config", config, "--name", "booth:B1", "--role", "ops");
        var listed = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "list", "--config", config);

        AssertOneLineError(asOps, "--name booth:B1 names a booth app, whose credential is a scanner");
        Assert.Equal(2, asOps.ExitCode);
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.DoesNotContain("booth:B1", listed.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edge_devices_add_of_a_booth_app_names_a_booth_of_the_edge_s_layout_or_exits_2_naming_its_booths()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var noLayout = await OneGateConfigAsync(directory);
        var layout = directory.File("venue-layout.json");
        await File.WriteAllTextAsync(layout, Telemetry.Expo.Layout);
        var config = directory.File("edge-with-layout.json");
        await File.WriteAllTextAsync(config, $$"""{ "Edge": { "EdgeId": "north", "DataDirectory": {{JsonSerializer.Serialize(directory.File("edge"))}}, "LayoutPath": {{JsonSerializer.Serialize(layout)}}, "Gates": [ { "Id": "G01", "Name": "Gate 1" } ] } }""");

        var typo = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "add", "--config", config, "--name", "booth:B9");
        var withoutLayout = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "add", "--config", noLayout, "--name", "booth:B1");
        var booth = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "add", "--config", config, "--name", "booth:B1");
        var listed = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "list", "--config", config);

        AssertOneLineError(typo, "--name booth:B9: booth 'B9' is not in the venue layout");
        Assert.Contains("(its booths: B1)", typo.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, typo.ExitCode);
        AssertOneLineError(withoutLayout, "this edge has no venue layout (Edge:LayoutPath)");
        Assert.True(booth.ExitCode == 0, booth.ToString());
        Assert.Contains("booth:B1", listed.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("booth:B9", listed.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_edge_on_the_data_directory_of_a_running_edge_exits_2_in_one_line_and_the_first_keeps_answering()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var (config, data) = await StandaloneEdgeConfig.WriteAsync(directory, "north");
        await using var first = await SiloProcess.StartEdgeAsync(config, directory.Path, Quick);

        var second = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "--config", config, "--urls", $"http://127.0.0.1:{VenueExecutable.FreePort()}");
        // The lock excludes edges only: the device commands run beside a running edge, as the README says.
        var added = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "devices", "add", "--config", config, "--name", "north lane 1");

        AssertOneLineError(second, "is held by another edge");
        Assert.Contains(data, second.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, second.ExitCode);
        Assert.True(added.ExitCode == 0, added.ToString());
        Assert.False(first.HasExited, first.Output);
        Assert.Equal("ok", (await first.HealthAsync()).GetProperty("status").GetString());
    }

    [Fact]
    public async Task An_edge_whose_data_directory_holds_another_event_s_scans_exits_2_in_one_line_and_leaves_its_journal_alone()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var (config, data) = await StandaloneEdgeConfig.WriteAsync(directory, "north");
        await using (var yesterday = await SiloProcess.StartEdgeAsync(config, directory.Path, Quick))
        {
            Assert.Equal("ok", (await yesterday.HealthAsync()).GetProperty("status").GetString());
        }

        var journal = Path.Combine(data, "journal.db");
        // The next event's ledger dropped in where the edge reads it; the data directory left as it was.
        using var key = TicketSigningKey.Create("k1");
        await EventGenerator.WriteLedgerAsync(EventGenerator.Generate(new EventSpec("expo-day-2", 50, 2, Seed: 4, DateTimeOffset.UtcNow.AddHours(-2)), key),
            directory.File("ledger.jsonl"));

        var today = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "--config", config, "--urls", $"http://127.0.0.1:{VenueExecutable.FreePort()}");

        AssertOneLineError(today, "holds the scans of event 'north'");
        Assert.Contains("'expo-day-2'", today.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, today.ExitCode);
        Assert.Equal("north", StampedEvent(journal));
    }

    private static string? StampedEvent(string journal)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={journal};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT value FROM journal_meta WHERE key = 'event'";
        return read.ExecuteScalar() as string;
    }

    [Fact]
    public async Task Ledger_generate_writes_a_ledger_that_ledger_inspect_reads_back()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var keys = directory.File("keys");
        var ledger = directory.File("out/ledger.jsonl");
        var badges = directory.File("out/badges.csv");
        Assert.Equal(0, (await VenueExecutable.RunAsync(directory.Path, Quick, "keys", "create", "--kid", "k1", "--out", keys)).ExitCode);

        var generated = await VenueExecutable.RunAsync(directory.Path, Quick, "ledger", "generate", "--attendees", "250", "--gates", "10",
            "--event", "expo", "--key", Path.Combine(keys, "k1.private.pem"), "--out", ledger, "--badges", badges, "--seed", "5");
        var inspected = await VenueExecutable.RunAsync(directory.Path, Quick, "ledger", "inspect", ledger);

        Assert.True(generated.ExitCode == 0, generated.ToString());
        Assert.True(inspected.ExitCode == 0, inspected.ToString());
        Assert.Contains("Event 'expo'", inspected.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("250 attendees", inspected.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("keys: k1", inspected.StandardOutput, StringComparison.Ordinal);

        // The badges printed are the badges the ledger knows: every token hashes to its attendee's ledger entry.
        var read = await LedgerSnapshot.ReadFileAsync(ledger);
        var rows = (await File.ReadAllLinesAsync(badges)).Skip(1).Select(l => l.Split(',')).ToList();
        Assert.Equal(250, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.True(read.TryGet(r[0], out var record), $"attendee {r[0]} is in the ledger");
            Assert.Equal(record.TokenHash, TokenHash.Of(r[^1]));
            Assert.True(BadgeToken.TryDecode(r[^1], out var badge, out _));
            Assert.Equal(SignatureCheck.Valid, read.Keys.Verify(badge));
        });
    }

    [Fact]
    public async Task Ledger_generate_with_only_out_writes_its_badges_beside_that_ledger_and_leaves_data_s_badges_alone()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var keys = directory.File("keys");
        Assert.Equal(0, (await VenueExecutable.RunAsync(directory.Path, Quick, "keys", "create", "--kid", "k1", "--out", keys)).ExitCode);
        var key = Path.Combine(keys, "k1.private.pem");
        Assert.Equal(0, (await VenueExecutable.RunAsync(directory.Path, Quick, "ledger", "generate", "--attendees", "30", "--key", key)).ExitCode);
        var dataBadges = await File.ReadAllTextAsync(directory.File("data/badges.csv"));

        var other = await VenueExecutable.RunAsync(directory.Path, Quick, "ledger", "generate", "--attendees", "10", "--key", key, "--out", directory.File("trial/ledger.jsonl"));

        Assert.True(other.ExitCode == 0, other.ToString());
        Assert.Equal(dataBadges, await File.ReadAllTextAsync(directory.File("data/badges.csv")));
        Assert.Equal(11, (await File.ReadAllLinesAsync(directory.File("trial/badges.csv"))).Length);
        Assert.Contains($"badges: {directory.File("trial/badges.csv")}", other.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ledger_generate_starts_validity_at_midnight_UTC_whatever_the_host_time_zone()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var keys = directory.File("keys");
        var ledger = directory.File("ledger.jsonl");
        Assert.Equal(0, (await VenueExecutable.RunAsync(directory.Path, Quick, "keys", "create", "--kid", "k1", "--out", keys)).ExitCode);

        // Twelve hours behind UTC (POSIX signs are inverted): local midnight would be 12:00 UTC.
        var generated = await VenueExecutable.RunAsync(directory.Path, Quick, new Dictionary<string, string> { ["TZ"] = "Etc/GMT+12" },
            "ledger", "generate", "--attendees", "50", "--gates", "4", "--key", Path.Combine(keys, "k1.private.pem"),
            "--out", ledger, "--badges", directory.File("badges.csv"));

        Assert.True(generated.ExitCode == 0, generated.ToString());
        var read = await LedgerSnapshot.ReadFileAsync(ledger);
        Assert.Equal(50, read.Count);
        Assert.All(read.Attendees, a =>
        {
            Assert.Equal(TimeSpan.Zero, DateTimeOffset.FromUnixTimeSeconds(a.ValidFromUnix).TimeOfDay);
            Assert.Equal(TimeSpan.Zero, DateTimeOffset.FromUnixTimeSeconds(a.ValidUntilUnix).TimeOfDay);
        });
        using var header = JsonDocument.Parse(File.ReadLines(ledger).First());
        Assert.Equal(TimeSpan.Zero, header.RootElement.GetProperty("generatedAt").GetDateTimeOffset().Offset);
    }

    public static TheoryData<string, string, string> BadLedgerGenerateOptions => new()
    {
        { "--event", "", "--event" },
        { "--event", new string('e', 300), "--event" },
        { "--key", "keys/k1.public.pem", "k1.public.pem is a public key" },
        // The generator would have written the ledger over the signing key, or the badges over the ledger.
        { "--out", "keys/k1.private.pem", "is a key file's name" },
        { "--badges", "out/ledger.jsonl", "--out and --badges are both" },
        { "--out", "keys", "is a directory" },
    };

    [Theory]
    [MemberData(nameof(BadLedgerGenerateOptions))]
    public async Task Ledger_generate_with_a_bad_option_exits_2_with_a_one_line_message_and_writes_nothing(string option, string value, string mentions)
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        Assert.Equal(0, (await VenueExecutable.RunAsync(directory.Path, Quick, "keys", "create", "--kid", "k1", "--out", directory.File("keys"))).ExitCode);
        string[] args = ["ledger", "generate", "--attendees", "20", "--key", "keys/k1.private.pem", "--out", "out/ledger.jsonl", "--badges", "out/badges.csv"];
        var index = Array.IndexOf(args, option);
        args = index >= 0 ? [.. args[..(index + 1)], value, .. args[(index + 2)..]] : [.. args, option, value];

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, args);

        AssertOneLineError(result, mentions);
        Assert.Equal(2, result.ExitCode);
        Assert.False(Directory.Exists(directory.File("out")), "nothing was written");
    }

    [Fact]
    public async Task Ledger_generate_that_cannot_write_the_badges_keeps_the_old_ledger_and_leaves_no_temporary_file()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var keys = directory.File("keys");
        var ledger = directory.File("out/ledger.jsonl");
        Assert.Equal(0, (await VenueExecutable.RunAsync(directory.Path, Quick, "keys", "create", "--kid", "k1", "--out", keys)).ExitCode);
        var first = await VenueExecutable.RunAsync(directory.Path, Quick, "ledger", "generate", "--attendees", "30", "--key", Path.Combine(keys, "k1.private.pem"),
            "--out", ledger, "--badges", directory.File("out/badges.csv"));
        Assert.True(first.ExitCode == 0, first.ToString());
        var before = await File.ReadAllBytesAsync(ledger);

        // The badges cannot be written where a directory stands; the new ledger must not replace the old one alone.
        Directory.CreateDirectory(directory.File("out/taken.csv"));
        var failed = await VenueExecutable.RunAsync(directory.Path, Quick, "ledger", "generate", "--attendees", "40", "--seed", "7",
            "--key", Path.Combine(keys, "k1.private.pem"), "--out", ledger, "--badges", directory.File("out/taken.csv"));

        AssertOneLineError(failed, "taken.csv");
        Assert.Equal(2, failed.ExitCode);
        Assert.Equal(before, await File.ReadAllBytesAsync(ledger));
        Assert.Equal(["badges.csv", "ledger.jsonl", "taken.csv"], Directory.EnumerateFileSystemEntries(directory.File("out")).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Ledger_inspect_of_a_broken_file_names_the_line_and_exits_non_zero()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var broken = directory.File("broken.jsonl");
        await File.WriteAllTextAsync(broken, "{\"format\":\"venue-ledger/1\",\"eventId\":\"e\",\"version\":1,\"generatedAt\":\"2030-01-01T00:00:00Z\",\"keys\":[],\"ticketTypes\":[]}\n{oops\n");

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "ledger", "inspect", broken);
        var folder = await VenueExecutable.RunAsync(directory.Path, Quick, "ledger", "inspect", directory.Path);

        AssertOneLineError(result, "line 2");
        AssertOneLineError(folder, "is a directory");
    }

    [Fact]
    public async Task Health_exits_0_on_a_200_and_1_on_another_answer_or_none()
    {
        if (!VenueBuilt())
        {
            return;
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("{\"status\":\"ok\"}", "application/json"));
        app.MapGet("/down", () => Results.StatusCode(503));
        await app.StartAsync();
        var address = app.Urls.Single();
        using var directory = new TempDirectory();

        var healthy = await VenueExecutable.RunAsync(directory.Path, Quick, "health", $"{address}/healthz");
        var bare = await VenueExecutable.RunAsync(directory.Path, Quick, "health", address);
        var down = await VenueExecutable.RunAsync(directory.Path, Quick, "health", $"{address}/down");
        await app.StopAsync();
        var gone = await VenueExecutable.RunAsync(directory.Path, Quick, "health", $"{address}/healthz");

        Assert.True(healthy.ExitCode == 0, healthy.ToString());
        Assert.Contains("200 {\"status\":\"ok\"}", healthy.StandardOutput, StringComparison.Ordinal);
        // A silo's bare address asks its health endpoint, as 'venue health http://localhost:5080' reads.
        Assert.True(bare.ExitCode == 0, bare.ToString());
        Assert.True(down.ExitCode == 1, down.ToString());
        Assert.Contains("503", down.StandardOutput, StringComparison.Ordinal);
        AssertOneLineError(gone, "did not answer");
        Assert.Equal(1, gone.ExitCode);
    }

    [Theory]
    [InlineData("localhost:5080/healthz")]
    [InlineData("ftp://localhost/healthz")]
    public async Task Health_with_an_address_that_is_not_http_says_so_in_one_line(string address)
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "health", address);

        AssertOneLineError(result, "is not an absolute http:// or https:// address");
    }

    [Fact]
    public async Task Simulate_takes_an_amqp_address_for_rabbitmq_and_refuses_anything_else_in_one_line()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();

        var notAmqp = await VenueExecutable.RunAsync(directory.Path, Quick, "simulate", "--rabbitmq", "localhost:5672", "--plain");
        // Parsed, then refused by the options' own check (it needs the crowd): proof the address was read.
        var parsed = await VenueExecutable.RunAsync(directory.Path, Quick, "simulate", "--rabbitmq", "amqp://u:p@127.0.0.1:1/", "--no-crowd", "--plain");

        AssertOneLineError(notAmqp, "is not an absolute amqp:// or amqps:// address");
        AssertOneLineError(parsed, "needs the crowd");
        Assert.Equal(2, parsed.ExitCode);
    }

    [Fact]
    public async Task Simulate_with_a_broker_it_cannot_reach_exits_2_in_one_line_before_the_rush()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        // A port that was just free: nothing listens there.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var closed = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        listener.Stop();

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "simulate", "--rabbitmq", $"amqp://u:p@127.0.0.1:{closed}/", "--mqtt-port", closed,
            "--attendees", "10", "--duration", "1", "--wander", "1", "--plain");

        AssertOneLineError(result, "--rabbitmq");
        Assert.Contains($"127.0.0.1:{closed}", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, result.ExitCode);
        Assert.DoesNotContain("Morning rush", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("Generating", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Simulate_refuses_a_data_dir_that_is_a_file_in_one_line_before_generating_anyone()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var file = directory.File("taken");
        await File.WriteAllTextAsync(file, "not a directory");

        var named = await VenueExecutable.RunAsync(directory.Path, Quick, "simulate", "--data-dir", file, "--plain");
        var under = await VenueExecutable.RunAsync(directory.Path, Quick, "simulate", "--data-dir", Path.Combine(file, "run"), "--plain");

        AssertOneLineError(named, "--data-dir");
        AssertOneLineError(under, "is a file");
        Assert.Equal(2, named.ExitCode);
        Assert.Equal(2, under.ExitCode);
        Assert.DoesNotContain("Generating", named.StandardOutput + under.StandardOutput, StringComparison.Ordinal);
        Assert.Equal("not a directory", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task Edge_with_a_missing_config_file_exits_non_zero_and_says_so()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "--config", directory.File("missing.json"));

        AssertOneLineError(result, "missing.json does not exist");
    }

    [Theory]
    [InlineData("edge")]
    [InlineData("central")]
    public async Task A_config_that_is_a_directory_is_called_a_directory_in_one_line(string role)
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        Directory.CreateDirectory(directory.File("edge.json"));

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, role, "--config", directory.File("edge.json"), "--urls", $"http://127.0.0.1:{VenueExecutable.FreePort()}");

        AssertOneLineError(result, "edge.json is a directory, not a configuration file");
        Assert.DoesNotContain("does not exist", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edge_with_an_invalid_config_exits_non_zero_and_says_what_is_wrong()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = directory.File("edge.json");
        await File.WriteAllTextAsync(config, $$"""
            { "Edge": { "EdgeId": "Not Valid!", "DataDirectory": "{{directory.File("data")}}", "LedgerPath": "{{directory.File("ledger.jsonl")}}", "Gates": [] },
              "ReverseProxy": { "KnownProxies": "10.0.0.1" } }
            """);

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "--config", config, "--urls", $"http://127.0.0.1:{VenueExecutable.FreePort()}");

        AssertOneLineError(result, "EdgeId");
        Assert.Contains("gate", result.StandardError, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("ledger.jsonl does not exist", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("ReverseProxy:KnownProxies: '10.0.0.1' is one value where a list belongs", result.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edge_with_a_mistyped_key_in_its_file_or_environment_exits_2_naming_each_rather_than_starting_on_defaults()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = directory.File("edge.json");
        // Each typo alone would start an edge on a default: another port, no layout, no readers consumed.
        // Saved with a byte-order mark, as Notepad does; a key an earlier version read is let through.
        await File.WriteAllTextAsync(config, $$"""
            {
              "Url": "http://127.0.0.1:5999",
              "Edge": { "EdgeId": "north", "DataDirectory": "{{directory.File("data")}}", "LedgerPath": "{{directory.File("ledger.jsonl")}}",
                        "LayoutPth": "layout.json", "Readers": { "UseRabitMq": true }, "Gates": [ { "Id": "G01", "Name": "Gate 1", "Zonee": "lobby" } ] },
              "Console": { "Feed": { "ClientQueueCapacity": 64 } }
            }
            """, new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));

        // JournalPath is worked out from DataDirectory: binding would pass over it.
        var result = await VenueExecutable.RunAsync(directory.Path, Quick,
            new Dictionary<string, string> { ["VENUE_Edge__Readers__RabbitMq__Prefetch"] = "5", ["VENUE_Edge__JournalPath"] = "/elsewhere/journal.db" },
            "edge", "--config", config, "--urls", $"http://127.0.0.1:{VenueExecutable.FreePort()}");

        Assert.Equal(2, result.ExitCode);
        AssertOneLineError(result, "Url: not a key this silo reads at the top of its file");
        foreach (var key in new[] { "Edge:LayoutPth:", "Edge:Readers:UseRabitMq:", "Edge:Gates:0:Zonee:", "Edge:Readers:RabbitMq:Prefetch:", "Edge:JournalPath:" })
        {
            Assert.Contains(key, result.StandardError, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("ClientQueueCapacity", result.StandardError, StringComparison.Ordinal);
        // The message starts with the file's name: a key the file does not hold names the variable that set it.
        Assert.Contains("(set by the environment variable VENUE_Edge__JournalPath, not in the file).", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("(set by the environment variable VENUE_Edge__Readers__RabbitMq__Prefetch, not in the file).", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, result.StandardError.Split("not in the file").Length - 1);

        Assert.Contains("Edge:Readers takes MaxBodyBytes, MaxClockAhead, OrderGapTimeout, RabbitMq, UseRabbitMq.", result.StandardError, StringComparison.Ordinal);
        Assert.False(Directory.Exists(directory.File("data")), "nothing may be created by an edge that refused to start");
    }

    [Fact]
    public async Task A_config_file_that_is_not_valid_JSON_is_named_with_its_line_and_column()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var config = directory.File("edge.json");
        await File.WriteAllTextAsync(config, "{\n  // a comment is fine\n  \"Edge\": {\n    \"EdgeId\": \"north\",\n    \"Readers\": { \"UseRabbitMq\": tru, \"MaxBatch\": 1 }\n  }\n}\n");

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "edge", "--config", config);

        Assert.Equal(2, result.ExitCode);
        AssertOneLineError(result, $"{config} is not valid JSON: line 5, column ");
        Assert.Contains("Expected the literal 'true'.", result.StandardError, StringComparison.Ordinal);
    }
}
