using System.Collections.Concurrent;
using Venue.Domain.Telemetry;
using Venue.Runtime.Streams;

namespace Venue.Simulation.Crowd;

/// <summary>
/// Every zone alert the edges raise or clear from the moment it is made. Made before the rush: the
/// gates fill the lobbies, so the first alerts come from the rush, and their clears from the floor.
/// </summary>
public sealed class ZoneAlertLog : IDisposable
{
    private readonly ConcurrentQueue<(string Edge, ZoneAlert Alert)> _alerts = new();
    private readonly List<IDisposable> _subscriptions = [];

    public ZoneAlertLog(IEnumerable<(string EdgeId, IStreamProvider Streams)> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        foreach (var (edgeId, streams) in edges)
        {
            _subscriptions.Add(streams.SubscribeNamespace<ZoneAlert>(TelemetryStreams.ZoneAlerts, e =>
            {
                _alerts.Enqueue((edgeId, e.Item));
                return Task.CompletedTask;
            }));
        }
    }

    /// <summary>The alerts seen so far, in arrival order.</summary>
    public IReadOnlyList<(string Edge, ZoneAlert Alert)> Snapshot() => [.. _alerts];

    public void Dispose()
    {
        foreach (var subscription in _subscriptions)
        {
            subscription.Dispose();
        }
    }
}
