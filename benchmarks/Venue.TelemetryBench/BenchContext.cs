using Venue.TelemetryBench.Floor;
using Venue.TelemetryBench.Reporting;
using Venue.Testing.RabbitMq;

namespace Venue.TelemetryBench;

/// <summary>
/// What the scenarios of one run share: the floor (planned once), a temporary directory, the
/// RabbitMQ node (started on first use), and the goal lines as they are measured.
/// </summary>
internal sealed class BenchContext(TelemetryBenchOptions options, TextWriter console) : IAsyncDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("venue-telbench-");
    private readonly Dictionary<string, string> _warmUps = new(StringComparer.Ordinal);
    private BenchFloor? _floor;
    private RabbitMqServer? _broker;
    private string? _brokerUnavailable;
    private int _directories;

    public TelemetryBenchOptions Options { get; } = options;

    public TextWriter Console { get; } = console;

    public List<GoalLine> Goals { get; } = [];

    /// <summary>"RabbitMQ 3.x.y, MQTT plugin" once a node has run, for the report.</summary>
    public string? BrokerVersion { get; private set; }

    public BenchFloor Floor
    {
        get
        {
            if (_floor is null)
            {
                Console.WriteLine($"planning the floor: {Options.Attendees:N0} attendees in {Options.Areas} areas ...");
                _floor = BenchFloor.Build(Options.Attendees, Options.Areas, Options.Seed);
                Console.WriteLine($"  {_floor.TotalReads:N0} reads from {_floor.Readers.Length} readers for {_floor.Passes:N0} passes");
            }

            return _floor;
        }
    }

    /// <summary>
    /// Runs <paramref name="warm"/> (an untimed warm-up of one path on throwaway edges) unless this run
    /// already has, and says what the warm-up did (for the method text), whichever scenario ran it.
    /// </summary>
    public async Task<string> WarmUpOnceAsync(string path, Func<Task<string>> warm)
    {
        if (_warmUps.TryGetValue(path, out var done))
        {
            return done;
        }

        Console.WriteLine($"  warm-up, {path} (untimed, thrown away) ...");
        var what = await warm();
        _warmUps[path] = what;
        return what;
    }

    public string NewDirectory(string name)
    {
        var path = Path.Combine(_root.FullName, $"{name}-{Interlocked.Increment(ref _directories)}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>The run's RabbitMQ node with its MQTT plugin, started on first use; throws <see cref="BrokerUnavailableException"/> when none can run here.</summary>
    public async Task<RabbitMqServer> BrokerAsync(CancellationToken cancellationToken)
    {
        if (_broker is not null)
        {
            return _broker;
        }

        if (_brokerUnavailable is not null)
        {
            throw new BrokerUnavailableException(_brokerUnavailable);
        }

        var server = RabbitMqServer.TryCreate(out var unavailable);
        if (server is null)
        {
            _brokerUnavailable = RabbitMqServer.FindScripts() is null ? $"RabbitMQ not found: {unavailable}" : $"no RabbitMQ node can run here: {unavailable}";
            throw new BrokerUnavailableException(_brokerUnavailable);
        }

        Console.WriteLine($"starting RabbitMQ (AMQP 127.0.0.1:{server.AmqpPort}, MQTT 127.0.0.1:{server.MqttPort}) ...");
        try
        {
            await server.StartAsync(cancellationToken);
        }
        catch
        {
            try
            {
                await server.DisposeAsync();
            }
            catch (InvalidOperationException)
            {
                // A node whose process never started has nothing to kill; the start's own error is the one to report.
            }

            throw;
        }

        _broker = server;
        try
        {
            var status = await server.CtlAsync(["version"], cancellationToken);
            BrokerVersion = $"RabbitMQ {status.Trim()} with rabbitmq_mqtt, started by the bench in a temporary directory, default settings";
        }
        catch (InvalidOperationException)
        {
            BrokerVersion = "RabbitMQ (version unknown) with rabbitmq_mqtt";
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

internal sealed class BrokerUnavailableException(string message) : Exception(message);
