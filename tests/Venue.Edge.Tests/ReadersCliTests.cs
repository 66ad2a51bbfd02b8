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
    public async Task Readers_simulate_with_an_unreadable_number_exits_non_zero_and_names_it()
    {
        if (!VenueBuilt())
        {
            return;
        }

        using var directory = new TempDirectory();

        // Caught by the command-line parser before the command runs: its exit code is 1, not 2.
        var result = await VenueExecutable.RunAsync(directory.Path, Quick, "readers", "simulate", "--layout", Layout, "--ledger", "l.jsonl", "--rate", "fast");

        AssertOneLineError(result, 1, "fast");
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

    private const string ReadersPassword = "VENUE_MQTT_PASSWORD";

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
