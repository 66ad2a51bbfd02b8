using System.Globalization;
using System.Net;
using System.Text.Json;
using RabbitMQ.Client;
using Venue.Storage.Sqlite;
using Venue.Testing.RabbitMq;

namespace Venue.Edge.Tests.Telemetry;

/// <summary>
/// Real processes and a real broker: readers publishing over MQTT at QoS 1 to RabbitMQ, a real
/// <c>venue edge</c> consuming, SIGKILLed mid-stream, the broker restarted while the edge is down,
/// and the edge started again on the same data directory.
/// </summary>
[Collection(EdgeRabbitMqCollection.Name)]
public sealed class ReaderQueueCrashTests(RabbitMqFixture broker, ITestOutputHelper output)
{
    private const string EdgeId = "mqtt-crash-edge";
    private const string Reader = "fx-1";
    private const int Attendees = 300;
    private const int KillAfterReads = 100;

    private const string Layout = """
        {
          "Zones": [
            { "Id": "lobby", "Name": "Lobby", "Capacity": 1000 },
            { "Id": "hall-a", "Name": "Hall A", "Capacity": 1000 },
          ],
          "Portals": [
            { "Id": "front-door", "Name": "Front door", "ReaderId": "fx-1", "OuterAntenna": 1, "InnerAntenna": 2, "InnerZone": "lobby" },
            { "Id": "lobby-hall-a", "Name": "Lobby to hall A", "ReaderId": "fx-1", "OuterAntenna": 3, "InnerAntenna": 4, "OuterZone": "lobby", "InnerZone": "hall-a" },
          ],
        }
        """;

    /// <summary>One walk through a doorway, published as one MQTT message (Zebra batches a pass's reads): a message is taken whole or not at all.</summary>
    private sealed record PassMessage(string AttendeeId, DateTimeOffset At, string Portal, bool Inward)
    {
        public IReadOnlyList<PlannedRead> Reads { get; set; } = [];
    }

    [Fact]
    public async Task Every_read_the_broker_acknowledged_is_journaled_exactly_once_across_an_edge_SIGKILL_and_a_broker_restart_and_zones_match_the_walks()
    {
        if (!broker.Met(output)
            || !Requirement.Met(MqttReader.Executable is not null, "mosquitto_pub (mosquitto-clients)", output)
            || !Requirement.Met(VenueExecutable.Path is not null, "the built venue executable (src/Venue.Cli/bin/...)", output)
            || !Requirement.Met(!OperatingSystem.IsWindows(), "POSIX signals (SIGKILL)", output))
        {
            return;
        }

        var server = broker.Server!;
        using var directory = new TempDirectory();
        var dataDirectory = directory.File("edge");
        var config = await WriteConfigAsync(directory, server, dataDirectory);
        var added = await VenueExecutable.RunAsync(directory.Path, TimeSpan.FromSeconds(30), "edge", "devices", "add", "--config", config, "--name", "ops console", "--role", "ops");
        Assert.True(added.ExitCode == 0, added.ToString());
        var opsToken = added.DeviceToken;
        var environment = new Dictionary<string, string> { ["VENUE_Edge__Readers__RabbitMq__Password"] = server.Password };
        var start = SiloStart.Edge(config, directory.Path, environment);

        // 300 attendees, two walks each, five reads a walk: 3,000 reads with distinct event numbers.
        // i % 3 == 0: in at the front door, on into hall-a. 1: in, then back out of the front door.
        // 2: in, then "out of hall-a into the lobby" while believed in the lobby already: stays in the lobby.
        var t0 = DateTimeOffset.UtcNow.AddMinutes(-5);
        var walks = Enumerable.Range(0, Attendees).SelectMany(i =>
        {
            var id = $"M-{i:D3}";
            var at = t0.AddMilliseconds(20 * i);
            return new[]
            {
                new PassMessage(id, at, "front-door", true),
                i % 3 == 0 ? new PassMessage(id, at.AddSeconds(4), "lobby-hall-a", true)
                : i % 3 == 1 ? new PassMessage(id, at.AddSeconds(4), "front-door", false)
                : new PassMessage(id, at.AddSeconds(4), "lobby-hall-a", false),
            };
        }).OrderBy(w => w.At).ToList();
        long eventNum = 0;
        foreach (var walk in walks)
        {
            var (outer, inner) = walk.Portal == "front-door" ? (1, 2) : (3, 4);
            walk.Reads = ReaderJson.Pass(() => ++eventNum, walk.AttendeeId, walk.Inward ? outer : inner, walk.Inward ? inner : outer, walk.At);
        }

        var messages = walks.Select(w => ReaderJson.Zebra(w.Reads)).ToList();
        var published = walks.SelectMany(w => w.Reads).Select(r => r.EventNum).ToHashSet();
        Assert.Equal(3000, published.Count);
        var expected = new Dictionary<string, HashSet<string>>
        {
            ["lobby"] = [.. Enumerable.Range(0, Attendees).Where(i => i % 3 == 2).Select(i => $"M-{i:D3}")],
            ["hall-a"] = [.. Enumerable.Range(0, Attendees).Where(i => i % 3 == 0).Select(i => $"M-{i:D3}")],
        };
        var reader = new MqttReader(server);
        var topic = $"zebra/{Reader}/data";
        var firstHalf = messages[..(messages.Count / 2)];
        var secondHalf = messages[(messages.Count / 2)..];

        try
        {
            long journaledAtKill;
            await using (var first = await SiloProcess.StartAsync(start, TimeSpan.FromSeconds(60)))
            {
                await HealthAsync(first, h => h.GetProperty("readerQueue").GetProperty("connected").GetBoolean(), "the first edge's reads consumer to connect");
                // Enough passes at once for the kill threshold; the rest, one every 2 ms, only once it is reached,
                // so the kill always lands while the reader is still publishing.
                var release = new TaskCompletionSource();
                var publishing = reader.PublishLinesAsync(topic, firstHalf, holdAt: 2 * KillAfterReads / 5, release.Task, TimeSpan.FromMilliseconds(2));
                await HealthAsync(first, h => h.GetProperty("telemetry").GetProperty("lastReadSequence").GetInt64() >= KillAfterReads,
                    $"at least {KillAfterReads} reads journaled by the first edge");
                release.SetResult();
                await first.KillAsync();
                Assert.Equal(137, first.ExitCode);
                journaledAtKill = SqliteReadJournal.ReadAll(Path.Combine(dataDirectory, "telemetry.db")).Count();
                await publishing; // exits 0 only with every PUBACK: the broker holds all of the first half
            }

            output.WriteLine($"{journaledAtKill} of the first half's {firstHalf.Count * 5} reads were journaled when the edge was killed.");
            Assert.True(journaledAtKill < firstHalf.Count * 5, "the kill should land while reads were still coming in");

            // The broker goes down and up while no edge consumes: the durable queue and its persistent messages must survive.
            await server.RestartAsync();

            await using var second = await SiloProcess.StartAsync(start, TimeSpan.FromSeconds(60));
            var replayed = (await second.HealthAsync()).GetProperty("telemetry");
            await HealthAsync(second, h => h.GetProperty("readerQueue").GetProperty("connected").GetBoolean(), "the second edge's reads consumer to connect");
            await reader.PublishLinesAsync(topic, secondHalf);
            var health = await HealthAsync(second, h => h.GetProperty("telemetry").GetProperty("lastReadSequence").GetInt64() >= published.Count,
                $"all {published.Count} reads in the read journal");
            output.WriteLine($"After the restart: {replayed}\nreadsQueue: {health.GetProperty("readerQueue")}\ntelemetry: {health.GetProperty("telemetry")}");
            Assert.Equal(published.Count, health.GetProperty("telemetry").GetProperty("lastReadSequence").GetInt64());

            using var http = new HttpClient { BaseAddress = second.Address, Timeout = TimeSpan.FromSeconds(10) };
            var ops = new ScannerClient(http, opsToken);
            foreach (var zone in new[] { "lobby", "hall-a" })
            {
                var occupants = await ops.GetAsync($"/v1/zones/{zone}/occupants?limit=1000");
                Assert.True(occupants.Status == HttpStatusCode.OK, occupants.ToString());
                var inside = occupants.Json.EnumerateArray().Select(o => o.GetProperty("attendeeId").GetString()!).ToHashSet();
                Assert.True(expected[zone].SetEquals(inside),
                    $"{zone}: missing {string.Join(", ", expected[zone].Except(inside))}; unexpected {string.Join(", ", inside.Except(expected[zone]))}");
                var status = await ops.GetAsync($"/v1/zones/{zone}");
                Assert.Equal(expected[zone].Count, status.Json.GetProperty("occupancy").GetInt32());
            }

            await second.KillAsync();
            var journal = SqliteReadJournal.ReadAll(Path.Combine(dataDirectory, "telemetry.db")).ToList();
            var keys = journal.Select(r => (r.Read.ReaderId, r.Read.EventNum)).ToList();
            Assert.Equal(keys.Count, keys.Distinct().Count());
            Assert.True(journal.All(r => r.Read.ReaderId == Reader), "every read is fx-1's");
            Assert.True(published.SetEquals(journal.Select(r => r.Read.EventNum)),
                $"journaled {journal.Count}; missing {string.Join(", ", published.Except(journal.Select(r => r.Read.EventNum)).Take(20))}");
        }
        finally
        {
            await DeleteQueuesAsync(server);
        }
    }

    private static async Task<JsonElement> HealthAsync(SiloProcess edge, Func<JsonElement, bool> condition, string awaited)
    {
        JsonElement last = default;
        await Eventually.UntilAsync(async () =>
        {
            last = await edge.HealthAsync();
            try
            {
                return condition(last);
            }
            catch (KeyNotFoundException)
            {
                // A part the edge has not started yet (the reads consumer, while it first connects) is absent: not yet.
                return false;
            }
        }, TimeSpan.FromSeconds(60), () => $"{awaited}; /healthz said {last}\nthe edge printed:\n{edge.Output}");
        return last;
    }

    private static async Task<string> WriteConfigAsync(TempDirectory directory, RabbitMqServer server, string dataDirectory)
    {
        var ledgerPath = directory.File("ledger.jsonl");
        using (var ledger = new Infrastructure.TestLedger())
        {
            await ledger.WriteAsync(ledgerPath);
        }

        var layoutPath = directory.File("venue-layout.json");
        await File.WriteAllTextAsync(layoutPath, Layout);
        var config = new
        {
            Edge = new
            {
                EdgeId,
                DataDirectory = dataDirectory,
                LedgerPath = ledgerPath,
                LayoutPath = layoutPath,
                Gates = new[] { new { Id = "G01", Name = "Gate 1", Zone = "lobby" } },
                Readers = new
                {
                    UseRabbitMq = true,
                    // The password comes from the environment, as in production.
                    RabbitMq = new
                    {
                        HostName = "127.0.0.1",
                        Port = server.AmqpPort,
                        UserName = RabbitMqServer.User,
                        ReconnectDelay = "00:00:00.200",
                        MaxReconnectDelay = "00:00:02",
                    },
                },
            },
            Logging = new { LogLevel = new Dictionary<string, string> { ["Default"] = "Warning", ["Microsoft.Hosting.Lifetime"] = "Information" } },
        };
        var path = directory.File("edge.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(config, new JsonSerializerOptions { WriteIndented = true }));
        return path;
    }

    private static async Task DeleteQueuesAsync(RabbitMqServer server)
    {
        if (!server.IsRunning)
        {
            return;
        }

        await using var connection = await server.ConnectionFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.QueueDeleteAsync($"venue.reads.{EdgeId}");
        await channel.QueueDeleteAsync($"venue.reads.{EdgeId}.dead-letter");
    }
}
