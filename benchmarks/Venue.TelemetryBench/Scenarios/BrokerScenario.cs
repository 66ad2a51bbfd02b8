using System.Diagnostics;
using Venue.LoadHarness.Reporting;
using Venue.Simulation.Crowd;
using Venue.TelemetryBench.Floor;
using Venue.TelemetryBench.Reporting;
using Venue.Testing.RabbitMq;

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

    /// <summary>How long a broker or HTTP warm-up runs at least: long enough for the JIT's optimized code to replace its first (the leaderboard scenario's measure).</summary>
    private static readonly TimeSpan WarmUpLeast = TimeSpan.FromSeconds(1);

    public static async Task<Section> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        // First, so a machine without RabbitMQ skips the scenario before planning the floor.
        var server = await context.BrokerAsync(cancellationToken);
        var o = context.Options;
        var floor = context.Floor;
        var section = new Section(Name, "Reads through MQTT and RabbitMQ to the edge");
        var table = new TextTable("path", "reads", "messages", "time", "reads/s", "MQTT batched ÷ path", "CPU ms / 1,000 reads (bench process)", "read back");
        var rates = new List<(string Name, double Rate)>();

        var warmMqtt = await WarmUpMqttAsync(context, server, cancellationToken);
        var batched = await MqttAsync(context, server, floor, o.BrokerReads, o.MessageReads, "bench-batched", cancellationToken);
        var batchedRate = batched.Measured.Rate(batched.Reads);
        Add(table, section, $"MQTT QoS 1, Zebra JSON arrays of {o.MessageReads} reads, {floor.Readers.Length} readers, {o.InFlight} publishes in flight each", batched, batchedRate);

        var single = await MqttAsync(context, server, floor, o.SingleMessageReads, 1, "bench-single", cancellationToken);
        Add(table, section, $"MQTT QoS 1, one read per message (Zebra without batching), {floor.Readers.Length} readers, {o.InFlight} publishes in flight each", single, batchedRate);
        rates.Add(("MQTT one read per message", single.Measured.Rate(single.Reads)));

        var warmHttp = await WarmUpHttpAsync(context, cancellationToken);
        var http = await HttpAsync(context, floor, o.BrokerReads, o.MessageReads, cancellationToken);
        Add(table, section, $"HTTP `POST /v1/readers/{{id}}/reads` to a Kestrel edge, {o.MessageReads} reads per request, {floor.Readers.Length} readers, {o.InFlight} requests in flight each", http, batchedRate);
        rates.Add(("HTTP POST, same batches", http.Measured.Rate(http.Reads)));

        section.Tables.Add(("From the first publish (or request) until the edge's read journal holds every read.", table));
        section.Method.AddRange(
        [
            "RabbitMQ is a real node started by the bench (the tests' `RabbitMqServer`: Debian's rabbitmq-server with its MQTT plugin, its own directory, a user with a password, loopback ports). The edge is a real `EdgeSilo` with the floor's layout, fed by the edge's own `ReaderQueueConsumer` (what `Edge:Readers:UseRabbitMq` runs) with its default settings (prefetch 2,000, up to 500 reads per ingest, acknowledged with `multiple` after the journal commit), a fresh durable queue per phase bound to `zebra.{reader}.data` for each of the floor's readers.",
            $"Readers: one `MqttPublisher` per reader (MQTT 3.1.1, QoS 1, client id = reader id), connected before the clock starts, publishing its share of the day's first reads in its own order to `zebra/{{reader}}/data`, with up to {o.InFlight} publishes awaiting their PUBACK (`--in-flight`). Payloads are Zebra IoT Connector JSON arrays (`ZebraJson.Array`), built before the clock starts.",
            "Timed from the first publish until `telemetry.db` holds every read (`Journal.LastReadSequence`): the reads are then durable and acknowledged to the broker, and routed through portals and zones. Read back: the journal holds exactly the reads published, no message dead-lettered.",
            $"HTTP peer: the same edge behind real Kestrel (`EdgeWebHost`: the edge's own endpoints, authentication and middleware), a `Reader` device credential per reader named after it, each reader posting its batches in its own order with up to {o.InFlight} requests awaiting their answer at once: the same allowance (`--in-flight`) as an MQTT reader's publishes awaiting their PUBACK. HTTP/1.1 keep-alive, so one connection per request in flight, all opened before the clock starts as the MQTT connections are; a reader's requests on different connections may be answered out of order, where MQTT keeps a reader's order on its one connection. Answered after the journal commit.",
            $"Before each path's first timed phase in the run, untimed and thrown away on throwaway edges (a queue and a Kestrel host of their own, so none of their reads reaches a timed edge or its read back): MQTT, {warmMqtt}; HTTP, {warmHttp}. Without it the first timed phase (MQTT batched, the headline) ran the publisher, the consumer, the Zebra parsing and a fresh broker cold, and the HTTP peer Kestrel's and the authentication's first requests.",
        ]);
        context.Goals.Add(new GoalLine("reads through MQTT → RabbitMQ → edge, acknowledged after journal, reads/s", "≥ 20,000",
            Units.PerSecond(batchedRate), batchedRate >= 20_000,
            string.Join("; ", rates.Select(r => $"{r.Name}: {Units.PerSecond(r.Rate)}")),
            string.Join("; ", rates.Select(r => $"{Units.Ratio(batchedRate / r.Rate)} {r.Name}"))));
        return section;
    }

    /// <summary>
    /// The MQTT path's warm-up, once per run (the latency scenario's MQTT phase shares it): slices of the
    /// day through a throwaway broker edge as messages of <c>--message-reads</c> and of one read, until
    /// <see cref="WarmUpLeast"/> has passed and the journal holds them all.
    /// </summary>
    public static Task<string> WarmUpMqttAsync(BenchContext context, RabbitMqServer server, CancellationToken cancellationToken) =>
        context.WarmUpOnceAsync("MQTT → RabbitMQ", async () =>
        {
            var o = context.Options;
            var floor = context.Floor;
            await using var edge = await BrokerEdge.StartAsync(server, floor, context.NewDirectory("warm-mqtt"), "bench-warm", o.InFlight, cancellationToken);
            var topics = floor.Readers.Select(BrokerEdge.Topic).ToArray();
            var (reads, messages, elapsed) = await WarmUpLoopAsync(floor, [o.MessageReads, 1], async (payloads, journaled) =>
            {
                await Task.WhenAll(payloads.Select((batches, r) => SendInOrderAsync(batches, o.InFlight, p => edge.Publishers[r].PublishAsync(topics[r], p, qos: 1))))
                    .WaitAsync(TimeSpan.FromSeconds(300), cancellationToken);
                await edge.Edge.WaitJournaledAsync(journaled, TimeSpan.FromSeconds(300));
            });
            return $"{reads:N0} reads in {messages:N0} messages (of {o.MessageReads} reads, and of one), {o.InFlight} in flight per reader, {elapsed.TotalSeconds:0.0} s";
        });

    private static Task<string> WarmUpHttpAsync(BenchContext context, CancellationToken cancellationToken) =>
        context.WarmUpOnceAsync("HTTP", async () =>
        {
            var o = context.Options;
            var floor = context.Floor;
            await using var edge = await HttpEdge.StartAsync(floor, context.NewDirectory("warm-http"), floor.Readers.Length * o.InFlight, cancellationToken);
            var (reads, requests, elapsed) = await WarmUpLoopAsync(floor, [o.MessageReads], async (payloads, _) =>
            {
                var refused = await PostAllAsync(edge, payloads, o.InFlight, cancellationToken);
                if (refused > 0)
                {
                    throw new InvalidOperationException($"HTTP warm-up: the edge refused {refused:N0} requests");
                }
            });
            return $"{reads:N0} reads in {requests:N0} requests of {o.MessageReads}, {o.InFlight} in flight per reader, {elapsed.TotalSeconds:0.0} s";
        });

    /// <summary>
    /// The day's reads in order, a slice per message size (10,000 reads in messages of the first size, a
    /// tenth as many per further size), handed to <paramref name="send"/> with the count of reads sent so
    /// far, until <see cref="WarmUpLeast"/> has passed (at least one round of slices) or the day is out.
    /// </summary>
    private static async Task<(long Reads, long Messages, TimeSpan Elapsed)> WarmUpLoopAsync(BenchFloor floor, int[] perMessage, Func<byte[][][], long, Task> send)
    {
        var clock = Stopwatch.StartNew();
        long from = 0;
        long messages = 0;
        do
        {
            for (var i = 0; i < perMessage.Length; i++)
            {
                var to = Math.Min(floor.TotalReads, from + (i == 0 ? 10_000 : 1_000));
                var payloads = floor.Slice(from, to).Select(r => r.Chunk(perMessage[i]).Select(ZebraJson.Array).ToArray()).ToArray();
                await send(payloads, to);
                messages += payloads.Sum(p => (long)p.Length);
                from = to;
            }
        }
        while (clock.Elapsed < WarmUpLeast && from < floor.TotalReads);
        return (from, messages, clock.Elapsed);
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

    private static async Task<Phase> MqttAsync(BenchContext context, RabbitMqServer server, BenchFloor floor, long reads, int perMessage, string name,
        CancellationToken cancellationToken)
    {
        context.Console.WriteLine($"  MQTT, {perMessage} read(s) per message: {reads:N0} reads ...");
        var prefix = floor.Prefix(reads);
        var total = prefix.Sum(r => (long)r.Length);
        var payloads = prefix.Select(r => r.Chunk(perMessage).Select(ZebraJson.Array).ToArray()).ToArray();
        var messages = payloads.Sum(p => (long)p.Length);
        var inFlight = context.Options.InFlight;
        await using var edge = await BrokerEdge.StartAsync(server, floor, context.NewDirectory(name), name, inFlight, cancellationToken);
        var topics = floor.Readers.Select(BrokerEdge.Topic).ToArray();
        InProcessScenario.SettleGc();
        var m = new Measured();
        string? failure = null;
        try
        {
            await Task.WhenAll(payloads.Select((batches, r) => SendInOrderAsync(batches, inFlight, p => edge.Publishers[r].PublishAsync(topics[r], p, qos: 1))))
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

    /// <summary>One reader's payloads in order, with up to <paramref name="window"/> awaiting their answer (a PUBACK, an HTTP response) at once.</summary>
    private static async Task SendInOrderAsync(byte[][] payloads, int window, Func<byte[], Task> send)
    {
        var inFlight = new Queue<Task>();
        foreach (var payload in payloads)
        {
            if (inFlight.Count == window)
            {
                await inFlight.Dequeue();
            }

            inFlight.Enqueue(send(payload));
        }

        await Task.WhenAll(inFlight);
    }

    /// <summary>Every reader posts its payloads at once, each with up to <paramref name="window"/> requests in flight; the requests the edge did not answer with 200.</summary>
    private static async Task<long> PostAllAsync(HttpEdge edge, byte[][][] payloads, int window, CancellationToken cancellationToken)
    {
        var refused = 0L;
        await Task.WhenAll(payloads.Select((batches, r) => SendInOrderAsync(batches, window, async p =>
        {
            if (!await edge.PostAsync(r, p, cancellationToken))
            {
                Interlocked.Increment(ref refused);
            }
        })));
        return refused;
    }

    private static async Task<Phase> HttpAsync(BenchContext context, BenchFloor floor, long reads, int perRequest, CancellationToken cancellationToken)
    {
        context.Console.WriteLine($"  HTTP, {perRequest} reads per request: {reads:N0} reads ...");
        var prefix = floor.Prefix(reads);
        var total = prefix.Sum(r => (long)r.Length);
        var payloads = prefix.Select(r => r.Chunk(perRequest).Select(ZebraJson.Array).ToArray()).ToArray();
        var inFlight = context.Options.InFlight;
        await using var edge = await HttpEdge.StartAsync(floor, context.NewDirectory("http"), floor.Readers.Length * inFlight, cancellationToken);
        InProcessScenario.SettleGc();
        var m = new Measured();
        var refused = await PostAllAsync(edge, payloads, inFlight, cancellationToken);
        m.Stop();
        var journaled = edge.Silo.Telemetry!.Journal.LastReadSequence;
        var ok = journaled == total && refused == 0;
        return new Phase(total, payloads.Sum(p => (long)p.Length), m,
            ok ? $"ok: {journaled:N0} journaled, every request 200" : $"journal holds {journaled:N0} of {total:N0}; {refused:N0} requests refused",
            ok ? null : $"journal holds {journaled:N0} of {total:N0}; {refused:N0} requests refused", null);
    }

    private sealed record Phase(long Reads, long Messages, Measured Measured, string ReadBack, string? Failure, string? Note);
}
