namespace Venue.TelemetryBench;

/// <summary>Everything one run is told on the command line, sizes already resolved (full or <c>--quick</c>).</summary>
internal sealed record TelemetryBenchOptions
{
    public required IReadOnlyList<string> Scenarios { get; init; }

    public required bool Quick { get; init; }

    /// <summary>Attendees on the edge's floor, spread over <see cref="Areas"/> areas of three readers each.</summary>
    public required int Attendees { get; init; }

    public required int Areas { get; init; }

    /// <summary>Reads per batch a reader hands in, in the closed-loop throughput phase.</summary>
    public required int Batch { get; init; }

    /// <summary>
    /// Reads of the day a reader may hand in beyond the oldest read not yet answered, in every
    /// closed-loop phase alike; null: two rounds of the batched phase (2 × readers × <see cref="Batch"/>).
    /// </summary>
    public required long? LeadReads { get; init; }

    /// <summary>Reads handed in one at a time (batch size 1), a prefix of the day.</summary>
    public required int SingleReads { get; init; }

    /// <summary>Reads the naive peer (one SQLite transaction per read) takes.</summary>
    public required int NaiveReads { get; init; }

    /// <summary>Reads published over MQTT in batches (and posted over HTTP).</summary>
    public required int BrokerReads { get; init; }

    /// <summary>Reads per MQTT message or HTTP request.</summary>
    public required int MessageReads { get; init; }

    /// <summary>Reads published one per MQTT message.</summary>
    public required int SingleMessageReads { get; init; }

    /// <summary>Per reader, MQTT publishes awaiting their PUBACK, or HTTP requests awaiting their answer, at once.</summary>
    public required int InFlight { get; init; }

    /// <summary>Offered read rates of the in-process latency phases.</summary>
    public required IReadOnlyList<int> Rates { get; init; }

    /// <summary>Offered read rate of the latency phase through MQTT and RabbitMQ.</summary>
    public required int BrokerRate { get; init; }

    public required double LatencySeconds { get; init; }

    /// <summary>How often a reader hands in what it has read (its batching interval) in the latency phases.</summary>
    public required TimeSpan Tick { get; init; }

    public required int BoardAttendees { get; init; }

    public required int BoardBooths { get; init; }

    public required int Concurrent { get; init; }

    public required int Rounds { get; init; }

    public required int Seed { get; init; }

    public required bool Verbose { get; init; }

    public required string Out { get; init; }

    public required string CommandLine { get; init; }
}
