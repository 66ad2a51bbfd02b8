using Microsoft.Extensions.Logging;
using Venue.Domain.Telemetry;
using Venue.Runtime.Streams;

namespace Venue.OpsConsole.Model;

/// <summary>
/// Feeds the console from the grain streams telemetry publishes on (zone occupancy, zone alerts,
/// leaderboards). The runtime's publishers wait for their subscribers, so these handlers only hand
/// the item to the model (a lock and a serialization) and never throw back into a grain.
/// </summary>
public static class TelemetryBridge
{
    public static IDisposable Connect(IStreamProvider streams, ConsoleModel model, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ArgumentNullException.ThrowIfNull(model);
        IDisposable[] subscriptions =
        [
            streams.SubscribeNamespace<ZoneOccupancyChanged>(TelemetryStreams.ZoneOccupancy, e => Hand(() => model.Occupancy(e.Item), e.Stream, logger)),
            streams.SubscribeNamespace<ZoneAlert>(TelemetryStreams.ZoneAlerts, e => Hand(() => model.Alert(e.Item), e.Stream, logger)),
            streams.SubscribeNamespace<LeaderboardChanged>(TelemetryStreams.Leaderboards, e => Hand(() => model.Leader(e.Item), e.Stream, logger)),
        ];
        return new Subscriptions(subscriptions);
    }

    private static Task Hand(Func<long> publish, StreamId stream, ILogger logger)
    {
        try
        {
            publish();
        }
        catch (Exception e)
        {
            // The telemetry grain must not fail because the console could not show its item.
            logger.LogWarning(e, "The console could not take an item from stream {Stream}.", stream);
        }

        return Task.CompletedTask;
    }

    private sealed class Subscriptions(IDisposable[] all) : IDisposable
    {
        public void Dispose()
        {
            foreach (var subscription in all)
            {
                subscription.Dispose();
            }
        }
    }
}
