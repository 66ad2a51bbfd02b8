using System.Net.Http.Headers;
using Venue.Domain.Devices;
using Venue.Domain.Ledger;
using Venue.Domain.Readers;
using Venue.Domain.Tickets;
using Venue.LoadHarness.Reporting;
using Venue.Simulation;
using Venue.Simulation.Crowd;
using Venue.Storage.Sqlite;
using Venue.TelemetryBench.Floor;
using Venue.TelemetryBench.Reporting;

namespace Venue.TelemetryBench.Scenarios;

/// <summary>
/// Reads through MQTT, RabbitMQ and the edge's reads consumer, acknowledged after the journal:
/// Zebra JSON arrays of <c>--message-reads</c> reads from one MQTT connection per reader; beside it
/// one read per message (Zebra without batching), and the same batches posted over HTTP to a real
/// Kestrel edge.
/// </summary>
internal static class BrokerScenario
{
    public const string Name = "broker";

    public static async Task<Section> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var o = context.Options;
        var floor = context.Floor;
        var section = new Section(Name, "Reads through MQTT and RabbitMQ to the edge");
        var table = new TextTable("path", "reads", "messages", "time", "reads/s", "MQTT batched ÷ path", "CPU ms / 1,000 reads (bench process)", "read back");
        var server = await context.BrokerAsync(cancellationToken);
        var rates = new List<(string Name, double Rate)>();

        var batched = await MqttAsync(context, server, floor, o.BrokerReads, o.MessageReads, "bench-batched", cancellationToken);
        var batchedRate = batched.Measured.Rate(batched.Reads);
        Add(table, section, $"MQTT QoS 1, Zebra JSON arrays of {o.MessageReads} reads, {floor.Readers.Length} readers, {o.InFlight} publishes in flight each", batched, batchedRate);

        var single = await MqttAsync(context, server, floor, o.SingleMessageReads, 1, "bench-single", cancellationToken);
        Add(table, section, $"MQTT QoS 1, one read per message (Zebra without batching), {floor.Readers.Length} readers, {o.InFlight} in flight each", single, batchedRate);
        rates.Add(("MQTT one read per message", single.Measured.Rate(single.Reads)));

        var http = await HttpAsync(context, floor, o.BrokerReads, o.MessageReads, cancellationToken);
        Add(table, section, $"HTTP `POST /v1/readers/{{id}}/reads` to a Kestrel edge, {o.MessageReads} reads per request, one request in flight per reader", http, batchedRate);
        rates.Add(("HTTP POST, same batches", http.Measured.Rate(http.Reads)));

        section.Tables.Add(("From the first publish (or request) until the edge's read journal holds every read.", table));
        section.Method.AddRange(
        [
            "RabbitMQ is a real node started by the bench (the tests' `RabbitMqServer`: Debian's rabbitmq-server with its MQTT plugin, its own directory, a user with a password, loopback ports). The edge is a real `EdgeSilo` with the floor's layout, fed by the edge's own `ReaderQueueConsumer` (what `Edge:Readers:UseRabbitMq` runs) with its default settings (prefetch 2,000, up to 500 reads per ingest, acknowledged with `multiple` after the journal commit), a fresh durable queue per phase bound to `zebra.{reader}.data` for each of the floor's readers.",
            $"Readers: one `MqttPublisher` per reader (MQTT 3.1.1, QoS 1, client id = reader id), publishing its share of the day's first reads in its own order to `zebra/{{reader}}/data`, with up to {o.InFlight} publishes awaiting their PUBACK. Payloads are Zebra IoT Connector JSON arrays (`ZebraJson.Array`), built before the clock starts.",
            "Timed from the first publish until `telemetry.db` holds every read (`Journal.LastReadSequence`): the reads are then durable and acknowledged to the broker, and routed through portals and zones. Read back: the journal holds exactly the reads published, no message dead-lettered.",
            "HTTP peer: the same edge behind real Kestrel (`EdgeWebHost`: the edge's own endpoints, authentication and middleware), a `Reader` device credential per reader named after it, each reader posting its batches one request at a time over HTTP/1.1 keep-alive, as a reader's HTTP mode does; answered after the journal commit.",
        ]);
        context.Goals.Add(new GoalLine("reads through MQTT → RabbitMQ → edge, acknowledged after journal, reads/s", "≥ 20,000",
            Units.PerSecond(batchedRate), batchedRate >= 20_000,
            string.Join("; ", rates.Select(r => $"{r.Name}: {Units.PerSecond(r.Rate)}")),
            string.Join("; ", rates.Select(r => $"{Units.Ratio(batchedRate / r.Rate)} {r.Name}"))));
        return section;
    }

    private static void Add(TextTable table, Section section, string path, Phase phase, double reference)
    {
        var rate = phase.Measured.Rate(phase.Reads);
        table.Add(path, Units.Count(phase.Reads), Units.Count(phase.Messages), Units.Seconds(phase.Measured.Elapsed.TotalSeconds), Units.PerSecond(rate),
            Units.Ratio(reference / rate), Units.Number(phase.Measured.CpuPerThousand(phase.Reads), "0.0"), phase.ReadBack);
        if (phase.Failure is not null)
        {
            section.Failures.Add($"{path}: {phase.Failure}");
        }

        if (phase.Note is not null)
        {
            section.Notes.Add($"{path}: {phase.Note}");
        }
    }

    private static async Task<Phase> MqttAsync(BenchContext context, Testing.RabbitMq.RabbitMqServer server, BenchFloor floor, long reads, int perMessage, string name,
        CancellationToken cancellationToken)
    {
        context.Console.WriteLine($"  MQTT, {perMessage} read(s) per message: {reads:N0} reads ...");
        var prefix = floor.Prefix(reads);
        var total = prefix.Sum(r => (long)r.Length);
        var payloads = prefix.Select(r => r.Chunk(perMessage).Select(ZebraJson.Array).ToArray()).ToArray();
        var messages = payloads.Sum(p => (long)p.Length);
        await using var edge = await BrokerEdge.StartAsync(server, floor, context.NewDirectory(name), name, context.Options.InFlight, cancellationToken);
        InProcessScenario.SettleGc();
        var m = new Measured();
        string? failure = null;
        try
        {
            await Task.WhenAll(payloads.Select((batches, r) => PublishAllAsync(edge.Publishers[r], BrokerEdge.Topic(floor.Readers[r]), batches, context.Options.InFlight)))
                .WaitAsync(TimeSpan.FromSeconds(300), cancellationToken);
            await edge.Edge.WaitJournaledAsync(total, TimeSpan.FromSeconds(300));
        }
        catch (Exception e) when (e is TimeoutException or Messaging.Mqtt.MqttException)
        {
            failure = e.Message;
        }

        m.Stop();
        var stats = edge.Consumer.Stats;
        var journaled = edge.Edge.Telemetry.Journal.LastReadSequence;
        var ok = journaled == total && stats.DeadLetteredTotal == 0;
        return new Phase(total, messages, m, ok ? $"ok: {journaled:N0} journaled, none dead-lettered" : $"journal holds {journaled:N0} of {total:N0}; {stats}",
            failure ?? (ok ? null : $"journal holds {journaled:N0} of {total:N0}; {stats}"),
            $"the consumer acknowledged {stats.AckedDeliveries:N0} deliveries in ingests of {stats.AckedReads / (double)Math.Max(1, edge.Edge.Telemetry.Journal.Commits):N0} reads per journal commit on average ({edge.Edge.Telemetry.Journal.Commits:N0} commits).");
    }

    /// <summary>One reader's messages in order, with up to <paramref name="window"/> awaiting their PUBACK.</summary>
    private static async Task PublishAllAsync(Messaging.Mqtt.MqttPublisher publisher, string topic, byte[][] payloads, int window)
    {
        var inFlight = new Queue<Task>();
        foreach (var payload in payloads)
        {
            if (inFlight.Count == window)
            {
                await inFlight.Dequeue();
            }

            inFlight.Enqueue(publisher.PublishAsync(topic, payload, qos: 1));
        }

        await Task.WhenAll(inFlight);
    }

    private static async Task<Phase> HttpAsync(BenchContext context, BenchFloor floor, long reads, int perRequest, CancellationToken cancellationToken)
    {
        context.Console.WriteLine($"  HTTP, {perRequest} reads per request: {reads:N0} reads ...");
        var prefix = floor.Prefix(reads);
        var total = prefix.Sum(r => (long)r.Length);
        var payloads = prefix.Select(r => r.Chunk(perRequest).Select(ZebraJson.Array).ToArray()).ToArray();
        var directory = context.NewDirectory("http");
        await BenchEdge.WriteLayoutAsync(floor, directory);
        var ledgerPath = Path.Combine(directory, "ledger.jsonl");
        using (var key = TicketSigningKey.Create("bench"))
        await using (var file = File.Create(ledgerPath))
        {
            var header = new LedgerHeader(LedgerSnapshot.Format, "telemetry-bench", "Telemetry bench", 1, DateTimeOffset.UtcNow,
                [new LedgerKey("bench", Convert.ToBase64String(key.ExportPublicKey()))], [new LedgerTicketType("general", false, null)], []);
            await LedgerSnapshot.WriteAsync(file, header, Array.Empty<LedgerAttendee>(), cancellationToken);
        }

        var tokens = new string[floor.Readers.Length];
        var devices = new SqliteDeviceCredentialStore(Path.Combine(directory, "devices.db"), TimeProvider.System);
        for (var r = 0; r < tokens.Length; r++)
        {
            tokens[r] = (await devices.CreateAsync(floor.Readers[r], DeviceRole.Reader, cancellationToken)).Token;
        }

        var options = BenchEdge.Options(floor, directory);
        await using var host = await EdgeWebHost.StartAsync(options.EdgeId, directory, ledgerPath, options.Gates, scansPerSecondPerDevice: 1_000_000,
            new Dictionary<string, string?> { ["Edge:LayoutPath"] = options.LayoutPath }, cancellationToken);
        await BenchEdge.AdmitAsync(host.Silo, floor);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024 }) { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(60) };
        var rejected = 0L;
        InProcessScenario.SettleGc();
        var m = new Measured();
        await Task.WhenAll(payloads.Select((batches, r) => Task.Run(async () =>
        {
            foreach (var payload in batches)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/readers/{floor.Readers[r]}/reads") { Content = new ByteArrayContent(payload) };
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[r]);
                using var response = await http.SendAsync(request, cancellationToken);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref rejected);
                }
            }
        }, cancellationToken)));
        m.Stop();
        var journaled = host.Silo.Telemetry!.Journal.LastReadSequence;
        var ok = journaled == total && rejected == 0;
        return new Phase(total, payloads.Sum(p => (long)p.Length), m,
            ok ? $"ok: {journaled:N0} journaled, every request 200" : $"journal holds {journaled:N0} of {total:N0}; {rejected:N0} requests refused",
            ok ? null : $"journal holds {journaled:N0} of {total:N0}; {rejected:N0} requests refused", null);
    }

    private sealed record Phase(long Reads, long Messages, Measured Measured, string ReadBack, string? Failure, string? Note);
}
