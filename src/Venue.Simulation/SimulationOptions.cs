namespace Venue.Simulation;

/// <summary>How big and how long a simulated morning rush is, on how many edges, and whether one is cut off.</summary>
public sealed record SimulationOptions
{
    public int Attendees { get; init; } = 15_000;

    public int Gates { get; init; } = 40;

    /// <summary>The rush (a morning of arrivals, compressed) lasts this long; follow-up scans run a few seconds past it.</summary>
    public TimeSpan Rush { get; init; } = TimeSpan.FromSeconds(20);

    public int Seed { get; init; } = 42;

    /// <summary>Edges (north, south, east, west), each serving its share of the gates and syncing with one central.</summary>
    public int Edges { get; init; } = 2;

    /// <summary>Cut the first edge (north) off from central from 35 % to 70 % of the rush, then heal.</summary>
    public bool Partition { get; init; } = true;

    /// <summary>When the partition starts, as a fraction of the rush.</summary>
    public double PartitionFrom { get; init; } = 0.35;

    /// <summary>When the partition heals, as a fraction of the rush.</summary>
    public double PartitionTo { get; init; } = 0.70;

    /// <summary>After the rush, people wander the floor and RFID readers report them (zones, booths, leaderboards).</summary>
    public bool Crowd { get; init; } = true;

    /// <summary>Wall time the crowd's day on the floor (two hours of event time) is compressed into.</summary>
    public TimeSpan Wander { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Send the simulated readers through a real RabbitMQ: its AMQP address for the edges
    /// (amqp://user:password@host:5672/) and its MQTT listener for the readers (same user). Null: in process.
    /// </summary>
    public Uri? RabbitMq { get; init; }

    /// <summary>The MQTT port of <see cref="RabbitMq"/>'s host.</summary>
    public int MqttPort { get; init; } = 1883;

    /// <summary>Where central and the edges keep their data; null: a temporary directory removed afterwards.</summary>
    public string? DataDirectory { get; init; }

    /// <summary>The largest crowd the floor phase plans (in memory, about 40 KB per attendee: 2.5 GB measured at 50,000).</summary>
    public const int MaxCrowdAttendees = 200_000;

    public void Validate()
    {
        if (Attendees is < 10 or > 1_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(Attendees), Attendees, "--attendees must be between 10 and 1,000,000.");
        }

        if (Crowd && Attendees > MaxCrowdAttendees)
        {
            throw new ArgumentOutOfRangeException(nameof(Attendees), Attendees,
                $"--attendees above {MaxCrowdAttendees:N0} needs --no-crowd: the crowd's day on the floor is planned in memory, about 40 KB per attendee " +
                $"(2.5 GB at 50,000), which a million attendees would not fit in.");
        }

        if (Gates is < 2 or > 500)
        {
            throw new ArgumentOutOfRangeException(nameof(Gates), Gates, "--gates must be between 2 and 500.");
        }

        if (Rush < TimeSpan.FromSeconds(1) || Rush > TimeSpan.FromHours(2))
        {
            throw new ArgumentOutOfRangeException(nameof(Rush), Rush, "--duration must be between 1 second and 2 hours.");
        }

        if (Edges is < 1 or > EdgeTopology.MaxEdges)
        {
            throw new ArgumentOutOfRangeException(nameof(Edges), Edges, $"--edges must be between 1 and {EdgeTopology.MaxEdges}.");
        }

        var publicGates = EventGenerator.MakeGates(Gates).Count(g => g.AllowedTicketTypes is null);
        if (publicGates < Edges)
        {
            throw new ArgumentOutOfRangeException(nameof(Gates), Gates, $"--gates {Gates} gives {publicGates} public gates, too few for --edges {Edges} (each edge needs one).");
        }

        if (Wander < TimeSpan.FromSeconds(1) || Wander > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(Wander), Wander, "--wander must be between 1 second and 1 hour.");
        }

        if (RabbitMq is { } broker && (broker.Scheme is not ("amqp" or "amqps") || !Crowd))
        {
            throw new ArgumentOutOfRangeException(nameof(RabbitMq), broker, "--rabbitmq is an amqp:// address (amqp://user:password@host:5672/), and needs the crowd (not --no-crowd).");
        }

        if (MqttPort is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(MqttPort), MqttPort, "--mqtt-port must be 1 to 65535.");
        }

        // Here, not when the first file is written: that comes only after every attendee is generated.
        for (var path = DataDirectory is null ? null : Path.GetFullPath(DataDirectory); path is not null; path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                throw new ArgumentException(path == Path.GetFullPath(DataDirectory!)
                    ? $"--data-dir {path} is a file; give a directory to keep the run's data in."
                    : $"--data-dir {Path.GetFullPath(DataDirectory!)}: {path} is a file, not a directory.", nameof(DataDirectory));
            }
        }

        if (PartitionFrom is <= 0 or >= 1 || PartitionTo <= PartitionFrom || PartitionTo >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(PartitionFrom), (PartitionFrom, PartitionTo), "The partition must start and heal inside the rush (0 < from < to < 1).");
        }
    }
}
