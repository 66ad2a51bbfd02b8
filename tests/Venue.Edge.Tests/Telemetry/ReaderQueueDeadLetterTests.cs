using System.Globalization;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using Venue.Testing.RabbitMq;

namespace Venue.Edge.Tests.Telemetry;

/// <summary>The edge's reads consumer against a real broker, fed by a real MQTT publisher: what it cannot take in goes to the dead-letter queue.</summary>
[Collection(EdgeRabbitMqCollection.Name)]
public sealed class ReaderQueueDeadLetterTests(RabbitMqFixture broker, ITestOutputHelper output)
{
    private const string EdgeId = "dead-letter-edge";

    [Fact]
    public async Task Malformed_invalid_and_unknown_reader_messages_are_dead_lettered_and_counted_and_good_reads_after_them_still_arrive()
    {
        if (!broker.Met(output) || !Requirement.Met(MqttReader.Executable is not null, "mosquitto_pub (mosquitto-clients)", output))
        {
            return;
        }

        var server = broker.Server!;
        var options = new Dictionary<string, string?>
        {
            ["Edge:EdgeId"] = EdgeId,
            ["Edge:Readers:UseRabbitMq"] = "true",
            ["Edge:Readers:RabbitMq:HostName"] = "127.0.0.1",
            ["Edge:Readers:RabbitMq:Port"] = server.AmqpPort.ToString(CultureInfo.InvariantCulture),
            ["Edge:Readers:RabbitMq:UserName"] = RabbitMqServer.User,
            ["Edge:Readers:RabbitMq:Password"] = server.Password,
            ["Edge:Readers:RabbitMq:ReconnectDelay"] = "00:00:00.100",
            ["Edge:Readers:RabbitMq:MaxReconnectDelay"] = "00:00:01",
        };
        try
        {
            await using var expo = await Expo.StartAsync(["A-1"], options);
            await ReaderQueueAsync(expo, q => q.GetProperty("connected").GetBoolean(), "the reads consumer to connect");
            var reader = new MqttReader(server);
            var at = DateTimeOffset.UtcNow;
            var badAntenna = ReaderJson.Zebra(expo.RoomPass("A-1", true, at).Select((r, i) => i == 3 ? r with { Antenna = 99 } : r));

            await reader.PublishAsync($"zebra/{Expo.Zebra}/data", "this is not JSON");
            await reader.PublishAsync($"zebra/{Expo.Zebra}/data", badAntenna);
            await reader.PublishAsync("zebra/fx-ghost/data", ReaderJson.Zebra(expo.RoomPass("A-1", true, at)));
            // A field of the wrong JSON type (an event number as a string) used to throw out of the parser:
            // the message was neither dead-lettered nor counted, and went with the next batch's acknowledgement.
            var wrongType = """{"type":"SIMPLE","timestamp":"2026-11-22T09:14:03Z","data":{"eventNum":"1841","idHex":"00","antenna":1,"peakRssi":-61}}""";
            await reader.PublishAsync($"zebra/{Expo.Zebra}/data", wrongType);
            var good = expo.RoomPass("A-1", true, at.AddSeconds(10));
            await reader.PublishAsync($"zebra/{Expo.Zebra}/data", ReaderJson.Zebra(good));

            var queue = await ReaderQueueAsync(expo, q => q.GetProperty("ackedReads").GetInt64() == 5 && DeadLettered(q) == (1, 2, 1),
                "the good reads to be acknowledged after one Malformed, two Invalid and one UnknownReader message were dead-lettered");
            Assert.Equal(0L, queue.GetProperty("ingestFailures").GetInt64());
            var telemetry = await expo.TelemetryHealthAsync();
            Assert.Equal((5L, 5L), (telemetry.GetProperty("lastReadSequence").GetInt64(), telemetry.GetProperty("readsAppended").GetInt64()));
            Assert.Equal("room-1", Expo.ZoneIn(await expo.LocationAsync("A-1")));
            Assert.Equal(1, (await expo.OccupancyAsync())["room-1"]);

            // Kept whole in the dead-letter queue, so they can be fixed and replayed.
            var dead = await TakeDeadLettersAsync(server);
            Assert.Equal(4, dead.Count);
            Assert.Contains(("zebra.fx-1.data", wrongType), dead);
            Assert.Contains(("zebra.fx-1.data", "this is not JSON"), dead);
            Assert.Contains(("zebra.fx-1.data", badAntenna), dead);
            Assert.Contains(dead, d => d.RoutingKey == "zebra.fx-ghost.data");
        }
        finally
        {
            await DeleteQueuesAsync(server);
        }
    }

    private static (long Malformed, long Invalid, long UnknownReader) DeadLettered(JsonElement queue)
    {
        var counts = queue.GetProperty("deadLettered");
        long Count(string reason) => counts.TryGetProperty(reason, out var n) ? n.GetInt64() : 0;
        return (Count("Malformed"), Count("Invalid"), Count("UnknownReader"));
    }

    private static async Task<JsonElement> ReaderQueueAsync(Expo expo, Func<JsonElement, bool> condition, string awaited)
    {
        JsonElement queue = default;
        await Eventually.UntilAsync(async () =>
        {
            var health = await expo.OkJsonAsync("/healthz", new ScannerClient(expo.Scenario.Edge.Http, null));
            return health.TryGetProperty("readerQueue", out queue) && condition(queue);
        }, TimeSpan.FromSeconds(30), () => $"{awaited}; /healthz readerQueue was {queue}");
        return queue;
    }

    private static async Task<List<(string RoutingKey, string Body)>> TakeDeadLettersAsync(RabbitMqServer server)
    {
        await using var connection = await server.ConnectionFactory().CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = new List<(string, string)>();
        while (await channel.BasicGetAsync($"venue.reads.{EdgeId}.dead-letter", autoAck: true) is { } message)
        {
            messages.Add((message.RoutingKey, Encoding.UTF8.GetString(message.Body.Span)));
        }

        return messages;
    }

    /// <summary>This edge's queues go: they are bound to zebra.*.data and would keep copies of other tests' reads.</summary>
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
