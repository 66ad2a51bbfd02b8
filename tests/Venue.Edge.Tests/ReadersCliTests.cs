using System.Text.Json;
using RabbitMQ.Client;
using Venue.Domain.Layout;
using Venue.Domain.Readers;
using Venue.Testing.RabbitMq;

namespace Venue.Edge.Tests;

/// <summary><c>venue readers simulate</c> as an operator runs it: option errors, a broker that is not there, and reads arriving through a real RabbitMQ.</summary>
[Collection(RabbitMqCollection.Name)]
public sealed class ReadersCliTests(RabbitMqFixture broker, ITestOutputHelper output)
{
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(30);

    private bool VenueBuilt() => Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output);

    private static string Layout => RepositoryFiles.Path("silo-config", "venue-layout.json");

    private static void AssertOneLineError(ProcessResult result, int exitCode, string mentions)
    {
        Assert.True(result.ExitCode == exitCode, result.ToString());
        var lines = result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.True(lines.Length == 1, $"expected one line on stderr:\n{result}");
        Assert.Contains(mentions, lines[0], StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--rate", "0", "--rate")]
    [InlineData("--rate", "-3", "--rate")]
    [InlineData("--port", "70000", "--port")]
    [InlineData("--reads", "0", "--reads")]
    [InlineData("--duration", "0", "--duration")]
    [InlineData("--duration", "1e300", "--duration")]
    [InlineData("--duration", "Infinity", "--duration")]
    [InlineData("--duration", "NaN", "--duration")]
    public async Task Readers_simulate_with_a_bad_option_exits_2_with_a_one_line_message(string option, string value, string mentions)
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var ledger = await LedgerAsync(directory);

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "simulate", "--layout", Layout, "--ledger", ledger, option, value);

        AssertOneLineError(result, 2, mentions);
    }

    [Fact]
    public async Task Readers_simulate_with_a_password_but_no_user_exits_2_and_says_so()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var ledger = await LedgerAsync(directory);

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, new Dictionary<string, string> { [ReadersPassword] = "s3cret" },
            "readers", "simulate", "--layout", Layout, "--ledger", ledger, "--port", "1");

        AssertOneLineError(result, 2, "--user");
        Assert.DoesNotContain("s3cret", result.StandardError + result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readers_simulate_with_a_user_but_no_password_exits_2_naming_the_variable()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var ledger = await LedgerAsync(directory);

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, new Dictionary<string, string> { [ReadersPassword] = "" },
            "readers", "simulate", "--layout", Layout, "--ledger", ledger, "--port", "1", "--user", "fx-lobby");

        AssertOneLineError(result, 2, $"--user fx-lobby needs its password in the environment, {ReadersPassword}");
    }

    [Fact]
    public async Task Readers_simulate_with_an_unreadable_number_exits_non_zero_and_names_it()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();

        // Caught by the command-line parser before the command runs: one line and 2 all the same, not its help page.
        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "simulate", "--layout", Layout, "--ledger", "l.jsonl", "--rate", "fast");

        AssertOneLineError(result, 2, "'fast' for option '--rate' as a number (see 'venue readers simulate --help')");
        Assert.DoesNotContain("Usage:", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readers_simulate_with_a_missing_layout_exits_2_and_names_the_file()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var ledger = await LedgerAsync(directory);

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "simulate", "--layout", directory.File("nowhere.json"), "--ledger", ledger);

        AssertOneLineError(result, 2, "nowhere.json does not exist");
    }

    [Fact]
    public async Task Readers_simulate_against_a_port_nobody_listens_on_exits_1_and_says_it_could_not_connect()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var ledger = await LedgerAsync(directory);

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "simulate", "--layout", Layout, "--ledger", ledger,
            "--host", "127.0.0.1", "--port", VenueExecutable.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "--reads", "10");

        AssertOneLineError(result, 1, "Could not connect to the MQTT broker");
    }

    [Fact]
    public async Task Readers_simulate_with_a_wrong_password_exits_1_with_the_brokers_refusal()
    {
        if (!VenueBuilt() || !broker.Met(output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var ledger = await LedgerAsync(directory);
        var server = broker.Server!;

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, new Dictionary<string, string> { [ReadersPassword] = "not-the-password" },
            "readers", "simulate", "--layout", Layout, "--ledger", ledger, "--host", "127.0.0.1", "--port", Port(server.MqttPort),
            "--user", RabbitMqServer.User, "--reads", "10");

        AssertOneLineError(result, 1, "refused the connection");
    }

    [Fact]
    public async Task Readers_simulate_publishes_exactly_the_asked_reads_as_zebra_batches_that_reach_a_queue_bound_to_zebra_data()
    {
        if (!VenueBuilt() || !broker.Met(output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var ledger = await LedgerAsync(directory);
        var server = broker.Server!;
        var layout = VenueLayout.Load(Layout);
        await using var connection = await server.ConnectionFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        // Bound before the readers connect: RabbitMQ drops a QoS 1 publish that matches no binding.
        var queue = (await channel.QueueDeclareAsync("readers-cli.reads", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await channel.QueueBindAsync(queue, "amq.topic", "zebra.*.data");

        var result = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(60), new Dictionary<string, string> { [ReadersPassword] = server.Password },
            "readers", "simulate", "--layout", Layout, "--ledger", ledger, "--host", "127.0.0.1", "--port", Port(server.MqttPort),
            "--user", RabbitMqServer.User, "--rate", "5000", "--reads", "3000", "--seed", "7");

        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("sent 3,000 reads", result.StandardOutput, StringComparison.Ordinal);

        // Every read, each from a reader of the layout, numbered on by one per reader, naming an attendee of the ledger.
        var attendees = (await Venue.Domain.Ledger.LedgerSnapshot.ReadFileAsync(ledger)).Attendees.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var numbers = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        var reads = 0;
        await Eventually.UntilAsync(async () =>
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
            {
                var parts = message.RoutingKey.Split('.');
                Assert.True(parts is ["zebra", _, "data"], message.RoutingKey);
                Assert.True(layout.IsKnownReader(parts[1]), $"reader {parts[1]} is not in the layout");
                using var json = JsonDocument.Parse(message.Body);
                foreach (var read in json.RootElement.EnumerateArray())
                {
                    Assert.Equal("SIMPLE", read.GetProperty("type").GetString());
                    var data = read.GetProperty("data");
                    Assert.True(EpcCodec.TryDecode(data.GetProperty("idHex").GetString()!, out var attendee));
                    Assert.Contains(attendee, attendees);
                    numbers.TryAdd(parts[1], []);
                    numbers[parts[1]].Add(data.GetProperty("eventNum").GetInt64());
                    reads++;
                }
            }

            return reads >= 3_000;
        }, TimeSpan.FromSeconds(20), "3,000 reads in the queue bound to zebra.*.data");

        Assert.Equal(3_000, reads);
        // Consecutive per reader, from one start for the run.
        var first = numbers.Values.First().Min();
        Assert.All(numbers, kv => Assert.Equal(Enumerable.Range(0, kv.Value.Count).Select(n => first + n), kv.Value.Order()));
        Assert.True(numbers.Count > 1, "every read came from one reader");
        // The summary names exactly the readers that sent, with what each sent.
        var summary = result.StandardOutput.Split("per reader: ", 2)[1].Trim();
        Assert.Equal(string.Join(", ", numbers.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value.Count:N0}")), summary);

        // A restarted simulator (compose restarts it on failure) numbers on past the first run.
        var again = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(60), new Dictionary<string, string> { [ReadersPassword] = server.Password },
            "readers", "simulate", "--layout", Layout, "--ledger", ledger, "--host", "127.0.0.1", "--port", Port(server.MqttPort),
            "--user", RabbitMqServer.User, "--rate", "5000", "--reads", "500", "--seed", "7");
        Assert.True(again.ExitCode == 0, again.ToString());
        var later = new List<(string Reader, long Number)>();
        await Eventually.UntilAsync(async () =>
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
            {
                using var json = JsonDocument.Parse(message.Body);
                later.AddRange(json.RootElement.EnumerateArray().Select(r => (message.RoutingKey.Split('.')[1], r.GetProperty("data").GetProperty("eventNum").GetInt64())));
            }

            return later.Count >= 500;
        }, TimeSpan.FromSeconds(20), "the second run's 500 reads");
        Assert.All(later, r => Assert.True(!numbers.TryGetValue(r.Reader, out var earlier) || r.Number > earlier.Max(), $"{r.Reader} #{r.Number} again"));
    }

    [Fact]
    public async Task Readers_credentials_makes_one_private_password_per_layout_reader_keeps_them_when_run_again_and_rotates_only_the_one_asked()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var dir = directory.File("readers");
        var readers = VenueLayout.Load(Layout).Portals.Select(p => p.ReaderId).Distinct().Order(StringComparer.Ordinal).ToList();

        var made = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "credentials", "--layout", Layout, "--dir", dir);

        Assert.True(made.ExitCode == 0, made.ToString());
        Assert.Equal(readers.Select(r => r + ".password"), Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        var first = readers.ToDictionary(r => r, r => File.ReadAllText(Path.Combine(dir, r + ".password")).Trim());
        Assert.All(first.Values, p => Assert.Matches("^[0-9a-f]{48}$", p));
        Assert.Equal(readers.Count, first.Values.Distinct().Count());
        Assert.All(first.Values, p => Assert.DoesNotContain(p, made.StandardOutput, StringComparison.Ordinal));
        if (!OperatingSystem.IsWindows())
        {
            foreach (var reader in readers)
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, reader + ".password")));
            }
        }

        var again = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "credentials", "--layout", Layout, "--dir", dir);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.All(readers, r => Assert.Equal(first[r], File.ReadAllText(Path.Combine(dir, r + ".password")).Trim()));

        var rotated = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "credentials", "--layout", Layout, "--dir", dir, "--reader", readers[0], "--rotate");
        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        Assert.NotEqual(first[readers[0]], File.ReadAllText(Path.Combine(dir, readers[0] + ".password")).Trim());
        Assert.All(readers.Skip(1), r => Assert.Equal(first[r], File.ReadAllText(Path.Combine(dir, r + ".password")).Trim()));
        Assert.Empty(Directory.GetFiles(dir, "*.new"));
    }

    [Fact]
    public async Task Readers_credentials_over_a_leftover_temporary_file_still_writes_an_owner_only_password_and_not_through_a_symlink()
    {
        if (!VenueBuilt() || OperatingSystem.IsWindows())
        {
            return;
        }

        using var directory = new TempDirectory();
        var dir = directory.File("readers");
        Directory.CreateDirectory(dir);
        var readers = VenueLayout.Load(Layout).Portals.Select(p => p.ReaderId).Distinct().Order(StringComparer.Ordinal).ToList();
        // An earlier run killed mid-write left a world-readable temporary; another points elsewhere.
        var stale = Path.Combine(dir, readers[0] + ".password.new");
        await File.WriteAllTextAsync(stale, "");
        File.SetUnixFileMode(stale, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var elsewhere = directory.File("elsewhere.txt");
        await File.WriteAllTextAsync(elsewhere, "untouched\n");
        File.CreateSymbolicLink(Path.Combine(dir, readers[1] + ".password.new"), elsewhere);

        var made = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "credentials", "--layout", Layout, "--dir", dir);

        Assert.True(made.ExitCode == 0, made.ToString());
        foreach (var reader in readers)
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(dir, reader + ".password")));
        }

        Assert.Equal("untouched\n", await File.ReadAllTextAsync(elsewhere));
        Assert.Empty(Directory.GetFiles(dir, "*.new"));
    }

    [Theory]
    [InlineData("no-such-reader", "no reader of the layout")]
    [InlineData(null, "does not exist")]
    public async Task Readers_credentials_for_a_reader_not_in_the_layout_or_into_a_missing_parent_exits_2_and_writes_nothing(string? reader, string mentions)
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var dir = reader is null ? directory.File(Path.Combine("missing", "readers")) : directory.File("readers");

        var result = await VenueExecutable.RunAsync(directory.Path, Quick,
            ["readers", "credentials", "--layout", Layout, "--dir", dir, .. reader is null ? Array.Empty<string>() : ["--reader", reader]]);

        AssertOneLineError(result, 2, mentions);
        Assert.False(Directory.Exists(dir), "a directory was made for a refused command");
    }

    [Fact]
    public async Task Readers_credentials_into_a_file_and_simulate_with_a_shared_password_beside_credentials_exit_2_saying_why()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var ledger = await LedgerAsync(directory);
        await File.WriteAllTextAsync(directory.File("taken"), "not a directory");
        Assert.Equal(0, (await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "credentials", "--layout", Layout, "--dir", directory.File("readers"))).ExitCode);

        var intoFile = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "credentials", "--layout", Layout, "--dir", directory.File("taken"));
        var both = await VenueExecutable.RunAsync(directory.Path, Quick, new Dictionary<string, string> { [ReadersPassword] = "s3cret" },
            "readers", "simulate", "--layout", Layout, "--ledger", ledger, "--port", "1", "--credentials", directory.File("readers"));

        AssertOneLineError(intoFile, 2, "is a file; give the directory");
        AssertOneLineError(both, 2, "--credentials gives each reader its own password");
        Assert.Equal("not a directory", await File.ReadAllTextAsync(directory.File("taken")));
    }

    [Fact]
    public async Task Readers_credentials_for_a_layout_without_readers_makes_an_empty_directory_and_exits_0()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        // An edge that only checks people in: zones, no portals. Compose's init job runs this for every edge under 'set -e'.
        var layout = directory.File("layout.json");
        await File.WriteAllTextAsync(layout, """{ "Zones": [ { "Id": "lobby", "Name": "Lobby", "Capacity": 100 } ], "Portals": [] }""");

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "credentials", "--layout", layout, "--dir", directory.File("readers"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("no reader needs a login", result.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(directory.File("readers")));
    }

    [Fact]
    public async Task Readers_simulate_with_credentials_missing_a_readers_file_exits_2_naming_it_before_connecting()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();
        var ledger = await LedgerAsync(directory);
        var dir = directory.File("readers");
        Assert.Equal(0, (await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "credentials", "--layout", Layout, "--dir", dir)).ExitCode);
        File.Delete(Path.Combine(dir, "fx-hall-b.password"));

        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "simulate", "--layout", Layout, "--ledger", ledger, "--port", "1", "--credentials", dir);

        AssertOneLineError(result, 2, "fx-hall-b.password does not exist");
        var both = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "simulate", "--layout", Layout, "--ledger", ledger, "--port", "1",
            "--credentials", dir, "--user", "someone");
        AssertOneLineError(both, 2, "--user and --credentials");
    }

    [Fact]
    public async Task Readers_simulate_with_credentials_logs_each_reader_in_as_itself_through_the_brokers_reader_logins()
    {
        if (!VenueBuilt() || !broker.Met(output))
        {
            return;
        }

        using var directory = new TempDirectory();
        var ledger = await LedgerAsync(directory);
        var server = broker.Server!;
        var dir = directory.File("readers");
        var readers = VenueLayout.Load(Layout).Portals.Select(p => p.ReaderId).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Equal(0, (await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "credentials", "--layout", Layout, "--dir", dir)).ExitCode);
        // As compose's broker applies them (silo-config/rabbitmq/reader-users.sh).
        await ApplyReaderLoginsAsync(server, directory, dir, "--open");
        try
        {
            await using var connection = await server.ConnectionFactory().CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            var queue = (await channel.QueueDeclareAsync("readers-cli.logins", durable: false, exclusive: true, autoDelete: true)).QueueName;
            await channel.QueueBindAsync(queue, "amq.topic", "zebra.*.data");

            var result = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(60),
                "readers", "simulate", "--layout", Layout, "--ledger", ledger, "--host", "127.0.0.1", "--port", Port(server.MqttPort),
                "--credentials", dir, "--rate", "5000", "--reads", "3000", "--seed", "7");

            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("as themselves", result.StandardOutput, StringComparison.Ordinal);
            var reads = 0;
            var senders = new HashSet<string>(StringComparer.Ordinal);
            await Eventually.UntilAsync(async () =>
            {
                while (await channel.BasicGetAsync(queue, autoAck: true) is { } message)
                {
                    senders.Add(message.RoutingKey.Split('.')[1]);
                    using var json = JsonDocument.Parse(message.Body);
                    reads += json.RootElement.GetArrayLength();
                }

                return reads >= 3_000;
            }, TimeSpan.FromSeconds(20), "3,000 reads published with the readers' own logins");
            Assert.Equal(3_000, reads);
            // Each login may publish only to its own topic, so every reader that sent logged in as itself.
            Assert.Subset(readers.ToHashSet(), senders);
            Assert.True(senders.Count > 1, $"only {string.Join(", ", senders)} sent");
        }
        finally
        {
            foreach (var file in Directory.GetFiles(dir))
            {
                File.Delete(file);
            }

            await ApplyReaderLoginsAsync(server, directory, dir); // no files left: the logins go
        }
    }

    private const string ReadersPassword = "VENUE_MQTT_PASSWORD";

    /// <summary>Runs compose's silo-config/rabbitmq/reader-users.sh against the test node with <paramref name="credentials"/>.</summary>
    private static async Task ApplyReaderLoginsAsync(RabbitMqServer server, TempDirectory directory, string credentials, params string[] arguments)
    {
        using var script = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("sh", [RepositoryFiles.Path("silo-config", "rabbitmq", "reader-users.sh"), .. arguments])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["RABBITMQCTL"] = server.WriteCtlScript(directory.File("rabbitmqctl")),
                ["VENUE_READER_CREDENTIALS"] = credentials,
            },
        })!;
        var stdout = script.StandardOutput.ReadToEndAsync();
        var stderr = script.StandardError.ReadToEndAsync();
        await script.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(script.ExitCode == 0, $"reader-users.sh exited {script.ExitCode}: {await stdout}{await stderr}");
    }

    private static string Port(int port) => port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A small signed ledger made as an operator would, with 'venue keys create' and 'venue ledger generate'.</summary>
    private static async Task<string> LedgerAsync(TempDirectory directory)
    {
        var keys = await VenueExecutable.RunAsync(directory.Path, Quick, "keys", "create", "--kid", "k1", "--out", directory.File("keys"));
        Assert.True(keys.ExitCode == 0, keys.ToString());
        var ledger = directory.File("ledger.jsonl");
        var generated = await VenueExecutable.RunAsync(directory.Path, Quick, "ledger", "generate", "--key", Path.Combine(directory.File("keys"), "k1.private.pem"),
            "--attendees", "300", "--out", ledger, "--badges", directory.File("badges.csv"));
        Assert.True(generated.ExitCode == 0, generated.ToString());
        return ledger;
    }
}
