using Venue.Domain.Readers;
using Venue.Messaging.Mqtt;

namespace Venue.Simulation.Crowd;

/// <summary>How the simulated readers' batches reach an edge.</summary>
public interface IReadTransport : IAsyncDisposable
{
    /// <summary>"in-process" or "mqtt".</summary>
    string Name { get; }

    /// <summary>Hands one reader's batch over; completes when the edge has it durably (in process) or the broker has acknowledged it (MQTT QoS 1).</summary>
    Task SendAsync(string readerId, IReadOnlyList<TagRead> reads, CancellationToken cancellationToken);
}

/// <summary>Straight into the edge's read sink, as a reader on the edge's own machine would be.</summary>
public sealed class InProcessTransport(IReadSink sink) : IReadTransport
{
    public string Name => "in-process";

    public Task SendAsync(string readerId, IReadOnlyList<TagRead> reads, CancellationToken cancellationToken) => sink.IngestAsync(reads, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// As real readers do: each reader its own MQTT connection to RabbitMQ's MQTT plugin, publishing its
/// batches as Zebra JSON arrays to <c>zebra/{reader}/data</c> with QoS 1; the edge consumes them from its queue.
/// <paramref name="loginOf"/> gives each reader's login: its own (as a broker that lets each reader
/// publish only to its own topic requires), or one shared by all on a test broker.
/// </summary>
public sealed class MqttTransport(string host, int port, Func<string, MqttLogin> loginOf) : IReadTransport
{
    private readonly Dictionary<string, Task<MqttPublisher>> _publishers = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public string Name => "mqtt";

    /// <summary>Publishes acknowledged by the broker so far, over every reader's connection.</summary>
    public long Acknowledged
    {
        get
        {
            lock (_gate)
            {
                return _publishers.Values.Where(p => p.IsCompletedSuccessfully).Sum(p => p.Result.Acknowledged);
            }
        }
    }

    /// <summary>Connects every reader now, so a refused connection shows before the first read, not in the middle of a run.</summary>
    public Task ConnectAsync(IEnumerable<string> readerIds, CancellationToken cancellationToken) =>
        Task.WhenAll(readerIds.Select(id => PublisherAsync(id, cancellationToken)));

    public async Task SendAsync(string readerId, IReadOnlyList<TagRead> reads, CancellationToken cancellationToken)
    {
        var publisher = await PublisherAsync(readerId, cancellationToken);
        await publisher.PublishAsync($"zebra/{readerId}/data", ZebraJson.Array(reads), qos: 1, cancellationToken);
    }

    private Task<MqttPublisher> PublisherAsync(string readerId, CancellationToken cancellationToken)
    {
        Task<MqttPublisher> connecting;
        lock (_gate)
        {
            if (!_publishers.TryGetValue(readerId, out connecting!))
            {
                var login = loginOf(readerId);
                _publishers[readerId] = connecting = MqttPublisher.ConnectAsync(new MqttPublisherOptions(host, port, readerId)
                {
                    UserName = login.UserName,
                    Password = login.Password,
                }, cancellationToken);
            }
        }

        return connecting;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connecting in _publishers.Values)
        {
            if (connecting.IsCompletedSuccessfully)
            {
                await connecting.Result.DisposeAsync();
            }
        }
    }
}

/// <summary>An MQTT user name and password; both null to connect without a login.</summary>
public sealed record MqttLogin(string? UserName, string? Password);
